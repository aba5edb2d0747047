import WorkbenchCore

/// A problem in a configuration file, located: file, line and the dotted path of the field.
public struct ConfigError: WorkbenchError, Equatable {
    public var file: String
    public var line: Int?
    /// e.g. `providers.groq.price.input`; empty for the document itself.
    public var field: String
    public var problem: String
    public var fix: String?

    public init(file: String, line: Int?, field: String, problem: String, fix: String? = nil) {
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        self.fix = fix
    }

    public var message: String {
        let place = file + (line.map { ":\($0)" } ?? "")
        return field.isEmpty ? "\(place): \(problem)" : "\(place): \(field): \(problem)"
    }

    public var exitStatus: ExitStatus { .dataError }
}
