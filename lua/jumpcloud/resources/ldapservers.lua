--- LDAP servers: `client.ldapservers`.
return { verbs = { list = "ldapservers_list", get = "ldapservers_get", update = "ldapservers_patch" } }
