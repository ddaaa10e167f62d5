package httpapi

import _ "embed"

// openapiJSON is the OpenAPI 3 document of the API, served at
// /api/v1/openapi.json. TestOpenAPIMatchesRoutes keeps it true: every
// registered route is in it and every path in it is registered.
//
//go:embed openapi.json
var openapiJSON []byte
