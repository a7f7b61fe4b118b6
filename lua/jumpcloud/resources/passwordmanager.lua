--- Password manager devices: `client.passwordmanager` (list, each, all, get).
return { verbs = { list = "DeviceService_ListDevices", get = "DeviceService_GetDevice" } }
