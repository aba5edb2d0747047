import Foundation
import Reports

/// Where commands write: stdout for results, stderr for errors and progress.
enum Console {
    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line.hasSuffix("\n") ? line : line + "\n").utf8))
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Colour only for a terminal, and never under NO_COLOR.
    static var style: TerminalStyle {
        TerminalStyle(isTerminal: isatty(STDOUT_FILENO) != 0, environment: environment)
    }
}
