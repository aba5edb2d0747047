import Foundation

/// One measured figure per row: what was measured, the number and its unit.
struct BenchReport {
    struct Row: Codable {
        var group: String
        var figure: String
        var value: Double
        var unit: String
    }

    private(set) var rows: [Row] = []

    mutating func add(_ group: String, _ figure: String, _ value: Double, _ unit: String) {
        rows.append(Row(group: group, figure: figure, value: value, unit: unit))
    }

    func table() -> String {
        let formatted = rows.map { ($0.group, $0.figure, format($0.value), $0.unit) }
        let widths = (
            max(5, formatted.map(\.0.count).max() ?? 0), max(6, formatted.map(\.1.count).max() ?? 0),
            max(5, formatted.map(\.2.count).max() ?? 0)
        )
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return right ? fill + text : text + fill
        }
        var lines = [pad("GROUP", widths.0) + "  " + pad("FIGURE", widths.1) + "  " + pad("VALUE", widths.2, right: true) + "  UNIT"]
        lines.append(String(repeating: "-", count: widths.0 + widths.1 + widths.2 + 12))
        for row in formatted {
            lines.append(pad(row.0, widths.0) + "  " + pad(row.1, widths.1) + "  " + pad(row.2, widths.2, right: true) + "  " + row.3)
        }
        return lines.joined(separator: "\n")
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(rows)
    }

    private func format(_ value: Double) -> String {
        if value >= 1000 { return String(format: "%.0f", value) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.3f", value)
    }
}

/// Wall-clock seconds of `body`.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The value below which `fraction` of the sorted samples fall (nearest rank).
func percentile(_ samples: [Double], _ fraction: Double) -> Double {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux reports kilobytes
}

/// Runs one of scripts/*.py with `python` and reads the one JSON object it prints; nil when
/// the script or its packages are missing (the benchmark then says so in the table).
func runPythonReference(_ python: String, script name: String, arguments: [String]) throws -> [String: Double]? {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/\(name)").standardized.path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, script] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return try? JSONSerialization.jsonObject(with: data) as? [String: Double]
}
