--- Policy results of every policy: `client.policyresults`.
return { verbs = { list = "Policies_listAllPolicyResults", get = "policyresults_get" } }
