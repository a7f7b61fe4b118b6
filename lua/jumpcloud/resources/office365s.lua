--- Office 365: `client.office365s`, with `:domains(id)`, `:translation_rules(id)` and `:import_users(id)`.
return {
  verbs = { get = "office365s_get", update = "office365s_patch" },
  subs = {
    domains = { verbs = { list = "Domains_List", create = "Domains_Insert", delete = "Domains_Delete" } },
    translation_rules = { verbs = { list = "translationRules_office365List", create = "translationRules_office365Post",
      get = "translationRules_office365Get", delete = "translationRules_office365Delete" } },
    import_users = { verbs = { list = "office365s_listImportUsers" } },
  },
}
