import StatMLCore

/// The service's OpenAPI 3.0 document, served at `/openapi.json`. A test checks that it lists exactly the
/// routes `CodingService.makeRouter()` registers.
enum OpenAPIDocument {
    struct Operation {
        let method: String
        let path: String
        let summary: String
        /// Roles allowed; empty: no key needed.
        let roles: [String]
        let request: JSONValue?
        let response: JSONValue
        let errors: [Int]
    }

    static let operations: [Operation] = [
        Operation(
            method: "get", path: "/healthz", summary: "Liveness and store check", roles: [], request: nil,
            response: ref("Health"), errors: [503]),
        Operation(
            method: "get", path: "/metrics", summary: "Prometheus metrics (text format 0.0.4)", roles: [],
            request: nil, response: ["type": "string"], errors: []),
        Operation(
            method: "get", path: "/openapi.json", summary: "This document", roles: [], request: nil,
            response: ["type": "object"], errors: []),
        Operation(
            method: "get", path: "/review", summary: "The review workbench (HTML page)", roles: [],
            request: nil, response: ["type": "string"], errors: []),
        Operation(
            method: "get", path: "/v1/whoami", summary: "The calling key's tenant and role",
            roles: ["admin", "coder", "client"], request: nil, response: ref("WhoAmI"), errors: [401]),
        Operation(
            method: "post", path: "/v1/code",
            summary:
                "Code one record or a batch of up to 10,000 with the tenant's production model; records not coded automatically join the review queue",
            roles: ["client", "admin"], request: ref("CodeRequest"), response: ref("CodeResponse"),
            errors: [400, 401, 403, 404, 413]),
        Operation(
            method: "get", path: "/v1/classification",
            summary: "Search the production model's classification (query q, limit)",
            roles: ["admin", "coder", "client"],
            request: nil, response: ref("Classification"), errors: [401, 404]),
        Operation(
            method: "get", path: "/v1/review/next",
            summary: "The most uncertain pending records (query limit)", roles: ["coder", "admin"], request: nil,
            response: ref("ReviewQueue"), errors: [401, 403]),
        Operation(
            method: "get", path: "/v1/review/items/{id}", summary: "One review item", roles: ["coder", "admin"],
            request: nil, response: ref("ReviewItem"), errors: [401, 403, 404]),
        Operation(
            method: "post", path: "/v1/review/items/{id}",
            summary: "Accept or correct the code of a review item (committed before the answer)",
            roles: ["coder", "admin"], request: ref("Decision"), response: ref("ReviewItem"),
            errors: [400, 401, 403, 404, 409]),
        Operation(
            method: "get", path: "/v1/corrections",
            summary: "Decided records as training data (query after, limit, format=json|jsonl|csv)",
            roles: ["coder", "admin"], request: nil, response: ref("Corrections"), errors: [400, 401, 403]),
        Operation(
            method: "get", path: "/v1/models", summary: "The tenant's model registry", roles: ["admin"],
            request: nil,
            response: ["type": "object", "properties": ["models": ["type": "array", "items": ref("Model")]]],
            errors: [401, 403]),
        Operation(
            method: "post", path: "/v1/models",
            summary: "Upload a model file (body: the file's bytes; query stage=production|staging)", roles: ["admin"],
            request: ["type": "string", "format": "binary"], response: ref("Model"), errors: [400, 401, 403, 413, 422]),
        Operation(
            method: "post", path: "/v1/models/rollback", summary: "Put the previous production version back",
            roles: ["admin"], request: nil, response: ref("Model"), errors: [401, 403, 409]),
        Operation(
            method: "get", path: "/v1/models/{version}", summary: "One model version", roles: ["admin"],
            request: nil, response: ref("Model"), errors: [401, 403, 404]),
        Operation(
            method: "get", path: "/v1/models/{version}/file", summary: "Download a model file",
            roles: ["admin"], request: nil, response: ["type": "string", "format": "binary"], errors: [401, 403, 404]),
        Operation(
            method: "post", path: "/v1/models/{version}/stage",
            summary: "Move a version to a stage (none, staging, production, archived)", roles: ["admin"],
            request: ["type": "object", "required": ["stage"], "properties": ["stage": ["type": "string"]]],
            response: ref("Model"), errors: [400, 401, 403, 404]),
        Operation(
            method: "get", path: "/v1/keys", summary: "The tenant's API keys (never their secrets)",
            roles: ["admin"], request: nil, response: ["type": "object"], errors: [401, 403]),
        Operation(
            method: "post", path: "/v1/keys", summary: "Create a key; its secret is in this answer only",
            roles: ["admin"],
            request: [
                "type": "object", "required": ["role"],
                "properties": [
                    "role": ["type": "string", "enum": ["admin", "coder", "client"]], "label": ["type": "string"],
                ],
            ],
            response: ["type": "object"], errors: [400, 401, 403]),
        Operation(
            method: "delete", path: "/v1/keys/{id}", summary: "Revoke a key", roles: ["admin"], request: nil,
            response: ["type": "object"], errors: [401, 403, 404]),
        Operation(
            method: "get", path: "/v1/audit",
            summary: "The tenant's append-only audit log (query after, limit, format=json|jsonl)", roles: ["admin"],
            request: nil, response: ["type": "object"], errors: [400, 401, 403]),
        Operation(
            method: "put", path: "/v1/tenant",
            summary: "Tenant settings: whether coded texts may be kept in the audit log", roles: ["admin"],
            request: ["type": "object", "properties": ["audit_texts": ["type": "boolean"]]],
            response: ["type": "object"],
            errors: [400, 401, 403]),
    ]

    static let schemas: JSONValue = [
        "Error": [
            "type": "object",
            "properties": [
                "error": [
                    "type": "object", "required": ["code", "message"],
                    "properties": ["code": ["type": "string"], "message": ["type": "string"]],
                ]
            ],
        ],
        "Health": ["type": "object", "properties": ["status": ["type": "string"], "version": ["type": "string"]]],
        "WhoAmI": [
            "type": "object",
            "properties": ["tenant": ["type": "string"], "role": ["type": "string"], "key_prefix": ["type": "string"]],
        ],
        "CodeRequest": [
            "type": "object",
            "properties": [
                "records": [
                    "type": "array", "maxItems": 10000,
                    "items": [
                        "type": "object", "required": ["text"],
                        "properties": ["id": ["type": "string"], "text": ["type": "string"]],
                    ],
                ],
                "id": ["type": "string"], "text": ["type": "string"],
                "candidates": ["type": "integer", "minimum": 0, "maximum": 10],
            ],
        ],
        "CodeResponse": [
            "type": "object",
            "properties": [
                "model_version": ["type": "integer"],
                "results": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "id": ["type": "string"], "code": ["type": "string"], "confidence": ["type": "number"],
                            "auto": ["type": "boolean"], "source": ["type": "string", "enum": ["index", "model"]],
                            "model_version": ["type": "integer"],
                        ],
                    ],
                ],
            ],
        ],
        "Classification": ["type": "object", "properties": ["codes": ["type": "array"]]],
        "ReviewItem": [
            "type": "object",
            "properties": [
                "id": ["type": "integer"], "record_id": ["type": "string"], "text": ["type": "string"],
                "confidence": ["type": "number"], "predicted_code": ["type": "string"],
                "suggestions": ["type": "array"], "status": ["type": "string", "enum": ["pending", "decided"]],
                "code": ["type": "string"], "decision": ["type": "string", "enum": ["accepted", "corrected"]],
            ],
        ],
        "ReviewQueue": [
            "type": "object",
            "properties": [
                "queue_length": ["type": "integer"], "items": ["type": "array", "items": ref("ReviewItem")],
            ],
        ],
        "Decision": ["type": "object", "required": ["code"], "properties": ["code": ["type": "string"]]],
        "Corrections": ["type": "object", "properties": ["corrections": ["type": "array"]]],
        "Model": [
            "type": "object",
            "properties": [
                "version": ["type": "integer"], "stage": ["type": "string"], "sha256": ["type": "string"],
                "validation": ["type": "object"], "training_data_sha256": ["type": "string"],
                "trained_on_corrections": ["type": "array", "items": ["type": "integer"]],
            ],
        ],
    ]

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static let document: JSONValue = {
        var paths = JSONObject()
        for op in operations {
            var operation = JSONObject([
                ("summary", .string(op.summary)), ("operationId", .string(operationID(op))),
            ])
            if op.roles.isEmpty {
                operation["security"] = []
            } else {
                operation["description"] = .string("Roles: \(op.roles.joined(separator: ", ")).")
            }
            let parameters = op.path.split(separator: "/").filter { $0.hasPrefix("{") }.map {
                JSONValue.object(
                    JSONObject([
                        ("name", .string(String($0.dropFirst().dropLast()))), ("in", "path"), ("required", true),
                        ("schema", ["type": "integer"]),
                    ]))
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let request = op.request {
                let type = request["format"]?.stringValue == "binary" ? "application/octet-stream" : "application/json"
                operation["requestBody"] = [
                    "required": true, "content": .object(JSONObject([(type, ["schema": request])])),
                ]
            }
            var responses = JSONObject([
                ("200", ["description": "OK", "content": ["application/json": ["schema": op.response]]])
            ])
            for status in op.errors {
                responses["\(status)"] = [
                    "description": .string(errorDescription(status)),
                    "content": ["application/json": ["schema": ref("Error")]],
                ]
            }
            operation["responses"] = .object(responses)
            var item = paths[op.path]?.objectValue ?? JSONObject()
            item[op.method] = .object(operation)
            paths[op.path] = .object(item)
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "StatML coding service", "version": .string(StatMLVersion.current),
                "description":
                    "Automated coding of free text to statistical classifications for many tenants, with a human review queue, a model registry and an audit log. Send 'Authorization: Bearer <key>'.",
            ],
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]], "schemas": schemas,
            ],
            "security": [["bearer": []]],
            "paths": .object(paths),
        ]
    }()

    private static func operationID(_ op: Operation) -> String {
        op.method
            + op.path.split(separator: "/").map { part -> String in
                let word = part.filter { $0.isLetter || $0.isNumber }
                return word.prefix(1).uppercased() + word.dropFirst()
            }.joined()
    }

    private static func errorDescription(_ status: Int) -> String {
        switch status {
        case 400: "Malformed request (the message names the field)"
        case 401: "Missing, invalid or revoked API key"
        case 403: "The key's role may not do this"
        case 404: "No such resource for this tenant"
        case 409: "Conflict with what is stored"
        case 413: "Request too large"
        case 422: "Not a model this StatML can use"
        case 503: "The store is unavailable"
        default: "Error"
        }
    }
}
