import Foundation
import WorkbenchCore

/// A DynamoDB attribute value.
public enum DynamoValue: Sendable, Equatable {
    case s(String)
    /// A number, as DynamoDB carries it (a decimal string).
    case n(String)
    case bool(Bool)
    case null
    case m([String: DynamoValue])
    case l([DynamoValue])

    public static func number(_ value: Int) -> DynamoValue { .n(String(value)) }
    public static func number(_ value: Double) -> DynamoValue { .n(String(value)) }

    public var string: String? { if case .s(let text) = self { text } else { nil } }
    public var int: Int? { if case .n(let text) = self { Int(text) ?? Double(text).map { Int($0) } } else { nil } }
    public var double: Double? { if case .n(let text) = self { Double(text) } else { nil } }
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var list: [DynamoValue]? { if case .l(let values) = self { values } else { nil } }

    var json: Any {
        switch self {
        case .s(let text): ["S": text]
        case .n(let text): ["N": text]
        case .bool(let value): ["BOOL": value]
        case .null: ["NULL": true]
        case .m(let map): ["M": map.mapValues(\.json)]
        case .l(let list): ["L": list.map(\.json)]
        }
    }

    init?(json: Any) {
        guard let object = json as? [String: Any], let (type, value) = object.first else { return nil }
        switch type {
        case "S": guard let text = value as? String else { return nil }; self = .s(text)
        case "N": guard let text = value as? String else { return nil }; self = .n(text)
        case "BOOL": guard let flag = value as? Bool else { return nil }; self = .bool(flag)
        case "NULL": self = .null
        case "M":
            guard let map = value as? [String: Any] else { return nil }
            var decoded: [String: DynamoValue] = [:]
            for (key, item) in map {
                guard let value = DynamoValue(json: item) else { return nil }
                decoded[key] = value
            }
            self = .m(decoded)
        case "L":
            guard let list = value as? [Any] else { return nil }
            let decoded = list.compactMap(DynamoValue.init(json:))
            guard decoded.count == list.count else { return nil }
            self = .l(decoded)
        default: return nil
        }
    }
}

public typealias DynamoItem = [String: DynamoValue]

/// One DynamoDB table keyed by `pk` (partition) and `sk` (sort), both strings, on demand:
/// the progress records, idempotency records and shared rate-limit buckets all live in it.
/// Writes that must not race are conditional: a failed condition is a `false` or nil answer,
/// never an error.
public struct DynamoTable: Sendable {
    public let client: AWSClient
    public let name: String

    static let target = "DynamoDB_20120810"

    public init(client: AWSClient, name: String) {
        self.client = client
        self.name = name
    }

    private func call(_ operation: String, _ body: [String: Any]) async throws -> [String: Any] {
        try await client.json(.dynamodb, target: Self.target, operation, body)
    }

    // MARK: The table

    /// Creates the table (pay per request); one that exists already is fine.
    public func create() async throws {
        do {
            _ = try await call("CreateTable", [
                "TableName": name, "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [["AttributeName": "pk", "AttributeType": "S"], ["AttributeName": "sk", "AttributeType": "S"]],
                "KeySchema": [["AttributeName": "pk", "KeyType": "HASH"], ["AttributeName": "sk", "KeyType": "RANGE"]],
            ])
        } catch let error as CloudError where error.code == "ResourceInUseException" {
            return
        }
        // A new table is CREATING for a moment on AWS: wait until it takes writes.
        for _ in 0..<120 {
            if try await status() == "ACTIVE" { return }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// `ACTIVE`, `CREATING`, …, or nil when there is no such table.
    public func status() async throws -> String? {
        do {
            return (try await call("DescribeTable", ["TableName": name])["Table"] as? [String: Any])?["TableStatus"] as? String
        } catch let error as CloudError where error.code == "ResourceNotFoundException" {
            return nil
        }
    }

    public func delete() async throws {
        do {
            _ = try await call("DeleteTable", ["TableName": name])
        } catch let error as CloudError where error.code == "ResourceNotFoundException" {
            return
        }
    }

    // MARK: Items

    /// A condition with its placeholders (`#n` names, `:v` values).
    public struct Condition: Sendable {
        public var expression: String
        public var names: [String: String]
        public var values: DynamoItem

        public init(_ expression: String, names: [String: String] = [:], values: DynamoItem = [:]) {
            self.expression = expression
            self.names = names
            self.values = values
        }
    }

    private func add(_ condition: Condition?, to request: inout [String: Any], key: String = "ConditionExpression") {
        guard let condition else { return }
        request[key] = condition.expression
        if !condition.names.isEmpty { request["ExpressionAttributeNames"] = condition.names }
        if !condition.values.isEmpty { request["ExpressionAttributeValues"] = condition.values.mapValues(\.json) }
    }

    /// Writes the item when `condition` holds; false when it does not (nothing written).
    @discardableResult
    public func put(_ item: DynamoItem, when condition: Condition? = nil) async throws -> Bool {
        var request: [String: Any] = ["TableName": name, "Item": item.mapValues(\.json)]
        add(condition, to: &request)
        do {
            _ = try await call("PutItem", request)
            return true
        } catch let error as CloudError where error.code == "ConditionalCheckFailedException" {
            return false
        }
    }

    /// The item (strongly consistent), or nil.
    public func get(pk: String, sk: String) async throws -> DynamoItem? {
        let answer = try await call("GetItem", ["TableName": name, "Key": ["pk": ["S": pk], "sk": ["S": sk]], "ConsistentRead": true])
        return try (answer["Item"] as? [String: Any]).map { try Self.decode($0, operation: "GetItem") }
    }

    /// An UpdateExpression, clause by clause: attributes set, numbers added, attributes removed.
    /// Each attribute and value gets a placeholder of its own (`#u0`, `:u0`, …), so reserved
    /// words (`status`) need no care and a condition's placeholders never collide with them.
    public struct Update: Sendable {
        public var set: [(attribute: String, value: DynamoValue)]
        public var add: [(attribute: String, value: DynamoValue)]
        public var remove: [String]

        public init(set: [(attribute: String, value: DynamoValue)] = [], add: [(attribute: String, value: DynamoValue)] = [], remove: [String] = []) {
            self.set = set
            self.add = add
            self.remove = remove
        }

        /// The expression with its names and values.
        var rendered: (expression: String, names: [String: String], values: DynamoItem) {
            var names: [String: String] = [:], values: DynamoItem = [:], clauses: [String] = []
            func name(_ attribute: String) -> String {
                let placeholder = "#u\(names.count)"
                names[placeholder] = attribute
                return placeholder
            }
            func value(_ value: DynamoValue) -> String {
                let placeholder = ":u\(values.count)"
                values[placeholder] = value
                return placeholder
            }
            if !set.isEmpty { clauses.append("SET " + set.map { "\(name($0.attribute)) = \(value($0.value))" }.joined(separator: ", ")) }
            if !add.isEmpty { clauses.append("ADD " + add.map { "\(name($0.attribute)) \(value($0.value))" }.joined(separator: ", ")) }
            if !remove.isEmpty { clauses.append("REMOVE " + remove.map(name).joined(separator: ", ")) }
            return (clauses.joined(separator: " "), names, values)
        }
    }

    /// Applies `update` when `condition` holds (always without one), returning the item as it
    /// now is; nil when the condition failed.
    public func update(pk: String, sk: String, _ update: Update, when condition: Condition? = nil) async throws -> DynamoItem? {
        let rendered = update.rendered
        var request: [String: Any] = ["TableName": name, "Key": ["pk": ["S": pk], "sk": ["S": sk]], "UpdateExpression": rendered.expression, "ReturnValues": "ALL_NEW"]
        var names = rendered.names, values = rendered.values
        if let condition {
            request["ConditionExpression"] = condition.expression
            names.merge(condition.names) { first, _ in first }
            values.merge(condition.values) { first, _ in first }
        }
        if !names.isEmpty { request["ExpressionAttributeNames"] = names }
        if !values.isEmpty { request["ExpressionAttributeValues"] = values.mapValues(\.json) }
        do {
            let answer = try await call("UpdateItem", request)
            return try Self.decode(answer["Attributes"] as? [String: Any] ?? [:], operation: "UpdateItem")
        } catch let error as CloudError where error.code == "ConditionalCheckFailedException" {
            return nil
        }
    }

    /// Removes the item when `condition` holds (always without one); false when it did not hold.
    @discardableResult
    public func delete(pk: String, sk: String, when condition: Condition? = nil) async throws -> Bool {
        var request: [String: Any] = ["TableName": name, "Key": ["pk": ["S": pk], "sk": ["S": sk]]]
        add(condition, to: &request)
        do {
            _ = try await call("DeleteItem", request)
            return true
        } catch let error as CloudError where error.code == "ConditionalCheckFailedException" {
            return false
        }
    }

    /// Every item of a partition, by sort key (strongly consistent, all pages).
    public func items(pk: String, skPrefix: String? = nil) async throws -> [DynamoItem] {
        var items: [DynamoItem] = []
        var start: Any?
        repeat {
            var request: [String: Any] = ["TableName": name, "ConsistentRead": true, "KeyConditionExpression": "pk = :pk" + (skPrefix == nil ? "" : " AND begins_with(sk, :sk)"),
                                          "ExpressionAttributeValues": [":pk": ["S": pk]].merging(skPrefix.map { [":sk": ["S": $0]] } ?? [:]) { a, _ in a }]
            if let start { request["ExclusiveStartKey"] = start }
            let answer = try await call("Query", request)
            items += try (answer["Items"] as? [[String: Any]] ?? []).map { try Self.decode($0, operation: "Query") }
            start = answer["LastEvaluatedKey"]
        } while start != nil
        return items
    }

    static func decode(_ object: [String: Any], operation: String) throws -> DynamoItem {
        var item: DynamoItem = [:]
        for (key, value) in object {
            guard let decoded = DynamoValue(json: value) else {
                throw CloudError.malformedResponse(service: .dynamodb, operation: operation, detail: "attribute \(key) is not a DynamoDB value")
            }
            item[key] = decoded
        }
        return item
    }
}
