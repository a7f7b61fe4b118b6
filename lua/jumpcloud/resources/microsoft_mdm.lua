--- Microsoft MDM: `client.microsoft_mdm:download_config_files(body [, {to_file = path}])` returns
-- the configuration file (a zip) as bytes, with its content type.
return { verbs = { download_config_files = { op = "Enrollments_DownloadConfigFiles", as = "create" } } }
