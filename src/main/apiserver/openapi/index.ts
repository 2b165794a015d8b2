/**
 * OpenAPI for the API server: the v2 and v3 documents (served at /openapi/v2, /openapi/v3 and
 * /openapi/v3/<path>), schema-based field validation, and patch schemas for built-in kinds, all
 * from the upstream Kubernetes schema definitions.
 */
export { openApiV3, openApiV3Paths, openApiV3Serialized } from './openapi-v3'
export { openApiV2, openApiV2Serialized } from './openapi-v2'
export {
  decodeOpenApiV2,
  encodeOpenApiV2,
  negotiateOpenApiV2,
  OPENAPI_V2_PROTOBUF,
  openApiV2Protobuf
} from './openapi-v2-protobuf'
export { patchSchemaFor } from './patch-schemas'
export {
  decodeErrorMessage,
  decodeFindings,
  schemaTypeErrors,
  strictDecodingMessage,
  unknownFields
} from './field-validation'
export type { DecodeFindings } from './field-validation'
export { KUBERNETES_SCHEMA_VERSION } from './kubernetes-definitions'
export type { SerializedDocument } from './document-cache'
