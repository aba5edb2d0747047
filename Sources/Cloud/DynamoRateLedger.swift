import Foundation
import LLM

/// The deployment's shared rate schedule, so `--rate-limit` and `--token-limit` hold for all
/// its workers together: one record per limit (`pk` "meta", `sk` "rate#<limit>") holding the
/// moment its next turn is free (`next`, seconds since 1970). A turn is taken by a
/// conditional write on the value read, so of two workers reading the same moment one wins
/// and the other reads again.
public struct DynamoRateLedger: RateLedger {
    public let table: DynamoTable

    public init(table: DynamoTable) {
        self.table = table
    }

    static func sortKey(_ key: String) -> String { "rate#" + key }

    public func take(_ key: String, cost: Double, spacing: Double, at time: Date) async throws -> Double? {
        let now = time.timeIntervalSince1970
        let current = try await table.get(pk: "meta", sk: Self.sortKey(key))?["next"]?.double
        if let current, current > now { return current - now }
        let condition = current.map { DynamoTable.Condition("#n = :seen", names: ["#n": "next"], values: [":seen": .number($0)]) }
            ?? DynamoTable.Condition("attribute_not_exists(#n)", names: ["#n": "next"])
        let taken = try await table.update(pk: "meta", sk: Self.sortKey(key), DynamoTable.Update(set: [("next", .number(now + cost * spacing))]), when: condition)
        return taken == nil ? 0 : nil
    }

    public func shift(_ key: String, by seconds: Double) async throws {
        _ = try await table.update(pk: "meta", sk: Self.sortKey(key), DynamoTable.Update(add: [("next", .number(seconds))]),
                                   when: DynamoTable.Condition("attribute_exists(#n)", names: ["#n": "next"]))
    }
}
