/// Colour for terminal output: on only when writing to a terminal, and never when
/// `NO_COLOR` is set (https://no-color.org) or `TERM=dumb`.
public struct TerminalStyle: Sendable {
    public let colors: Bool

    public init(colors: Bool) { self.colors = colors }

    public init(isTerminal: Bool, environment: [String: String]) {
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        colors = isTerminal && !noColor && environment["TERM"] != "dumb"
    }

    public static let plain = TerminalStyle(colors: false)

    public func green(_ text: String) -> String { wrap(text, "32") }
    public func yellow(_ text: String) -> String { wrap(text, "33") }
    public func red(_ text: String) -> String { wrap(text, "31") }
    public func bold(_ text: String) -> String { wrap(text, "1") }
    public func dim(_ text: String) -> String { wrap(text, "2") }

    private func wrap(_ text: String, _ code: String) -> String {
        colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
