import Foundation
import Testing

/// `statml admin ...` and `statml models ...` on a SQLite store, as an operator would use them, and the
/// errors they give for wrong input.
@Suite("statml admin and statml models")
struct ServiceCLITests {
    @Test func tenantsKeysAndTheModelRegistry() throws {
        let dir = try CLI.temporaryDirectory()
        let store = dir.appendingPathComponent("s.db").path
        let created = try CLI.run(["admin", "create-tenant", "ine-chile", "--store", store])
        #expect(created.exitCode == 0, "\(created.stderr)")
        let again = try CLI.run(["admin", "create-tenant", "ine-chile", "--store", store])
        #expect(again.exitCode == 1)
        #expect(again.stderr.contains("ine-chile"))
        let bad = try CLI.run(["admin", "create-tenant", "no spaces allowed", "--store", store])
        #expect(bad.exitCode == 1)

        // The key alone on stdout, so that KEY=$(statml admin create-key ...) works.
        let key = try CLI.run(["admin", "create-key", "--tenant", "ine-chile", "--role", "coder", "--store", store])
        #expect(key.exitCode == 0)
        let secret = key.stdout.trimmingCharacters(in: .newlines)
        #expect(secret.hasPrefix("sml_") && !secret.contains(" ") && !secret.contains("\n"))
        let unknownTenant = try CLI.run([
            "admin", "create-key", "--tenant", "ine-chil", "--role", "coder", "--store", store,
        ])
        #expect(unknownTenant.exitCode == 1)
        #expect(unknownTenant.stderr.contains("did you mean 'ine-chile'"))
        let badRole = try CLI.run(["admin", "create-key", "--tenant", "ine-chile", "--role", "boss", "--store", store])
        #expect(badRole.exitCode == 2)
        let listed = try CLI.run(["admin", "list-keys", "--tenant", "ine-chile", "--store", store])
        #expect(listed.stdout.contains("coder") && !listed.stdout.contains(secret))

        // A file that is not a model is refused and nothing is registered.
        let notModel = dir.appendingPathComponent("notes.txt")
        try "not a model".write(to: notModel, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["models", "push", notModel.path, "--tenant", "ine-chile", "--store", store])
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("not a valid StatML coding model"))
        let model = CodingCLITests.fixture.model
        let pushed = try CLI.run([
            "models", "push", model, "--tenant", "ine-chile", "--stage", "production", "--store", store,
        ])
        #expect(pushed.exitCode == 0, "\(pushed.stderr)")
        #expect(pushed.stdout.trimmingCharacters(in: .newlines) == "1")
        _ = try CLI.run(["models", "push", model, "--tenant", "ine-chile", "--store", store])
        #expect(try CLI.run(["models", "promote", "2", "--tenant", "ine-chile", "--store", store]).exitCode == 0)
        let list = try CLI.run(["models", "list", "--tenant", "ine-chile", "--json", "--store", store])
        let versions = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(versions.map { $0["stage"] as? String } == ["archived", "production"])
        #expect(try CLI.run(["models", "rollback", "--tenant", "ine-chile", "--store", store]).exitCode == 0)
        let after = try CLI.run(["models", "list", "--tenant", "ine-chile", "--store", store])
        #expect(after.stdout.contains("1\tproduction"))
        #expect(try CLI.run(["models", "promote", "9", "--tenant", "ine-chile", "--store", store]).exitCode == 1)

        // Every action is in the audit log.
        let audit = try CLI.run(["admin", "audit", "--tenant", "ine-chile", "--store", store])
        let actions = audit.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["action"] as? String
        }
        #expect(actions.starts(with: ["tenant.create", "key.create", "model.push", "model.stage", "model.push"]))
        #expect(actions.contains("model.rollback"))
    }

    @Test func serveRefusesABusyPortAndABadStore() throws {
        let dir = try CLI.temporaryDirectory()
        let notADatabase = dir.appendingPathComponent("x.db")
        try "this is not SQLite".write(to: notADatabase, atomically: true, encoding: .utf8)
        let r = try CLI.run(["serve", "--port", "0", "--store", notADatabase.path])
        #expect(r.exitCode == 1)
        #expect(r.stderr.contains("x.db"))
        #expect(try CLI.run(["serve", "--port", "70000"]).exitCode == 2)
    }
}
