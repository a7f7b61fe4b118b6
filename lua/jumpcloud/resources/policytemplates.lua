--- Policy templates: `client.policytemplates`.
return { verbs = { list = "policytemplates_list", get = "policytemplates_get" } }
