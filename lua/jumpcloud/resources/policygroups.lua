--- Policy groups: `client.policygroups` (PUT only: `update` is `replace`).
return {
  verbs = { list = "PolicyGroups_listAll", get = "PolicyGroups_getDetails", create = "PolicyGroups_createNew",
    replace = "PolicyGroups_updatePolicyGroup", delete = "PolicyGroups_deleteGroup" },
}
