--- IP lists: `client.iplists` (the reference has PATCH and PUT of one list).
return { verbs = { update = "iplists_patch", replace = "iplists_put" } }
