--- Organisation cases: `client.cases` (list, each, all) and `client.cases:metadata()`.
return { verbs = { list = "organizations_orgListCases", metadata = { op = "organizations_casesMetadata", as = "get" } } }
