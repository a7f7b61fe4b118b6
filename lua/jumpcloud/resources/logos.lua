--- Logos: `client.logos:get(id [, {to_file = path}])` returns the image bytes and the content type.
return { verbs = { get = "logos_get" } }
