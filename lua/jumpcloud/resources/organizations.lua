--- Organisations: `client.organizations:cases():each()` walks the organisation cases.
return { subs = { cases = { no_parent = true, verbs = { list = "organizations_orgListCases" } } } }
