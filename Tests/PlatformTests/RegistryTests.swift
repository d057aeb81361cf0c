import Coding
import StatMLCore
import Testing

@testable import Platform

@Suite("Platform: model registry")
struct RegistryTests {
    @Test("models get versions 1, 2, … and metadata read from the file itself", arguments: Backend.available)
    func addsModels(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let (key, _) = try store.createKey(tenant: tenant, role: .admin, label: "ci")
            let bytes = try TestModels.bytes(0)
            let decoded = try CodingModelFile.decode(bytes, name: "test")
            let first = try store.addModel(tenant: tenant, bytes: bytes, createdBy: key.id)
            let second = try store.addModel(tenant: tenant, bytes: TestModels.bytes(1), createdBy: nil)
            #expect(first.version == 1 && second.version == 2)
            #expect(first.sha256 == SHA256.hex(SHA256.hash(bytes)) && first.sha256 != second.sha256)
            #expect(first.sizeBytes == bytes.count)
            #expect(first.algorithm == "linear" && first.classCount == decoded.classes.count && first.classCount > 1)
            #expect(first.threshold == decoded.threshold)
            #expect(first.validation == decoded.info.validation)
            #expect(first.validation != .null)
            #expect(first.trainingDataHash == decoded.info.trainingDataHash && first.trainingDataHash.count == 64)
            #expect(first.statmlVersion == StatMLVersion.current)
            #expect(first.stage == .none && first.createdBy == key.id && second.createdBy == nil)
            #expect(try store.models(tenant: tenant) == [first, second])
            #expect(try store.model(tenant: tenant, version: 2) == second)
            #expect(try store.modelBytes(tenant: tenant, version: 1) == bytes)

            let missing = errorOf { try store.model(tenant: tenant, version: 7) }
            #expect(missing?.code == .notFound)
            #expect(missing?.message.contains("version 7") == true)
            #expect(errorCode { try store.modelBytes(tenant: tenant, version: 3) } == .notFound)

            let notAModel = errorOf {
                try store.addModel(tenant: tenant, bytes: Array("a,b\n1,2\n".utf8), createdBy: nil)
            }
            #expect(notAModel?.code == .incompatible)
            #expect(notAModel?.message.contains("not a valid StatML coding model") == true)
            var damaged = bytes
            damaged[damaged.count / 2] ^= 0xFF
            #expect(errorCode { try store.addModel(tenant: tenant, bytes: damaged, createdBy: nil) } == .incompatible)
            #expect(try store.models(tenant: tenant).count == 2)
        }
    }

    @Test(
        "one production and one staging version; promotion archives, rollback walks back",
        arguments: Backend.available)
    func stagesAndRollback(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let (key, _) = try store.createKey(tenant: tenant, role: .admin, label: "ci")
            for i in 0..<4 { try store.addModel(tenant: tenant, bytes: TestModels.bytes(i % 2), createdBy: key.id) }
            func stages() throws -> [ModelStage] { try store.models(tenant: tenant).map(\.stage) }

            #expect(try store.productionModel(tenant: tenant) == nil)
            #expect(errorCode { try store.rollback(tenant: tenant, actor: key.id) } == .conflict)
            try store.setStage(tenant: tenant, version: 1, stage: .production, actor: key.id)
            try store.setStage(tenant: tenant, version: 2, stage: .staging, actor: key.id)
            #expect(try stages() == [.production, .staging, .none, .none])
            try store.setStage(tenant: tenant, version: 2, stage: .production, actor: key.id)
            #expect(try stages() == [.archived, .production, .none, .none])
            try store.setStage(tenant: tenant, version: 3, stage: .staging, actor: nil)
            try store.setStage(tenant: tenant, version: 4, stage: .staging, actor: nil)
            #expect(try stages() == [.archived, .production, .none, .staging])
            try store.setStage(tenant: tenant, version: 3, stage: .production, actor: key.id)
            #expect(try stages() == [.archived, .archived, .production, .staging])
            #expect(try store.productionModel(tenant: tenant)?.version == 3)
            #expect(
                errorCode { try store.setStage(tenant: tenant, version: 9, stage: .production, actor: nil) }
                    == .notFound)
            #expect(
                errorCode { try store.setStage(tenant: tenant, version: 1, stage: .staging, actor: 999) } == .notFound)

            // 3 → 2 → 1, then nothing earlier.
            #expect(try store.rollback(tenant: tenant, actor: key.id).version == 2)
            #expect(try stages() == [.archived, .production, .archived, .staging])
            #expect(try store.rollback(tenant: tenant, actor: key.id).version == 1)
            #expect(try stages() == [.production, .archived, .archived, .staging])
            let exhausted = errorOf { try store.rollback(tenant: tenant, actor: key.id) }
            #expect(exhausted?.code == .conflict)
            #expect(exhausted?.message.contains("version 1 is in production") == true)

            let history = try store.stageHistory(tenant: tenant)
            #expect(history.filter { $0.to == .production }.map(\.version) == [1, 2, 3, 2, 1])
            #expect(history.filter { $0.reason == .rollback }.count == 4)
            #expect(
                history.contains {
                    $0.version == 1 && $0.from == .production && $0.to == .archived && $0.reason == .replaced
                })
            #expect(history.contains { $0.version == 3 && $0.actorKeyID == nil && $0.to == .staging })
            #expect(history.map(\.id) == history.map(\.id).sorted())
        }
    }

    @Test("the database itself refuses a second production version", arguments: Backend.available)
    func oneProductionInDatabase(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            try store.addModel(tenant: tenant, bytes: TestModels.bytes(), createdBy: nil)
            try store.addModel(tenant: tenant, bytes: TestModels.bytes(), createdBy: nil)
            try store.setStage(tenant: tenant, version: 1, stage: .production, actor: nil)
            let db = try fixture.rawConnection()
            let error = errorOf { try db.execute("UPDATE models SET stage = 'production' WHERE version = 2") }
            #expect(error?.code == .library && error?.isUniqueViolation == true)
            #expect(try store.model(tenant: tenant, version: 2).stage == .none)
        }
    }

    @Test("the registry records which corrections each model was trained on", arguments: Backend.available)
    func trainedOnCorrections(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let ids = try store.enqueue(tenant: tenant, items: (0..<4).map { reviewInput("r\($0)", confidence: 0.5) })
            for id in ids.prefix(3) { try store.decide(tenant: tenant, id: id, code: "01.1.1", reviewer: nil) }
            let v1 = try store.addModel(
                tenant: tenant, bytes: TestModels.bytes(), createdBy: nil,
                trainedOnCorrections: [ids[1], ids[0], ids[1]])
            let v2 = try store.addModel(
                tenant: tenant, bytes: TestModels.bytes(), createdBy: nil, trainedOnCorrections: Array(ids.prefix(3)))
            #expect(v1.trainedOnCorrections == [ids[0], ids[1]])
            #expect(try store.model(tenant: tenant, version: 1).trainedOnCorrections == [ids[0], ids[1]])
            #expect(
                try store.models(tenant: tenant).map(\.trainedOnCorrections) == [
                    [ids[0], ids[1]], Array(ids.prefix(3)),
                ])
            #expect(v2.trainedOnCorrections == Array(ids.prefix(3)))

            let pending = errorOf {
                try store.addModel(
                    tenant: tenant, bytes: TestModels.bytes(), createdBy: nil, trainedOnCorrections: [ids[3], 12345])
            }
            #expect(pending?.code == .invalidInput)
            #expect(pending?.message.contains("\(ids[3]), 12345") == true)
            #expect(try store.models(tenant: tenant).count == 2)
        }
    }
}
