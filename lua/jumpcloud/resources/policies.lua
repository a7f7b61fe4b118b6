--- Policies: `client.policies`, with `:results(policy_id)` and `:statuses(policy_id)`.
return {
  verbs = { list = "policies_list", get = "policies_get", create = "policies_post",
    replace = "policies_put", delete = "policies_delete" },
  subs = {
    results = { verbs = { list = "policyresults_list" } },
    statuses = { verbs = { list = "policystatuses_policiesList" } },
  },
}
