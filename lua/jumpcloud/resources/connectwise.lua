--- The ConnectWise integration: `client.connectwise:delete(uuid)`.
return { verbs = { delete = "connectwise_deleteConfiguration" } }
