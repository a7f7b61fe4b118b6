--- The Autotask integration: `client.autotask` (get, update, delete of a configuration) with
-- `:companies(uuid)`, `:company_types(uuid)`, `:contracts(uuid)`, `:contract_fields(uuid)`, `:services(uuid)`,
-- `:mappings(uuid)` and `:settings(uuid)`.
return {
  verbs = { get = "autotask_getConfiguration", update = "autotask_updateConfiguration",
    delete = "autotask_deleteConfiguration" },
  subs = {
    companies = { verbs = { list = "autotask_retrieveCompanies" } },
    company_types = { verbs = { list = "autotask_retrieveCompanyTypes" } },
    contracts = { verbs = { list = "autotask_retrieveContracts" } },
    contract_fields = { verbs = { list = "autotask_retrieveContractsFields" } },
    services = { verbs = { list = "autotask_retrieveServices" } },
    mappings = { verbs = { list = "autotask_retrieveMappings", update = "autotask_patchMappings" } },
    settings = { verbs = { get = "autotask_retrieveSettings", update = "autotask_patchSettings" } },
  },
}
