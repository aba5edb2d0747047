/// What an outline beat asks for: talk, a place or mood, or a deed. An ensemble learns which
/// provider writes which kind best (a provider's strength per kind of unit), and the
/// simulator's specialists are strong on one kind each, read from the beat a prompt names.
public enum BeatKind: String, Sendable, CaseIterable, Codable {
    case dialogue, description, action

    /// Checked in this order: a beat with an argument in a storm is a dialogue beat.
    static let words: [(BeatKind, [String])] = [
        (.dialogue, ["argument", "argue", "quarrel", "tells", "asks", "says", "lie", "confess", "recognises", "recognizes", "talk", "answer", "question", "promise"]),
        (.action, ["crosses", "cross", "fights", "fight", "climbs", "climb", "runs", "reach", "catches", "chase", "escape", "relight", "overboard", "breaks", "carries"]),
        (.description, ["dusk", "dawn", "night", "storm", "sea", "memories", "alone", "room", "light", "silence", "weather", "fog", "rain", "stair"]),
    ]

    /// The kind of a beat by its words; nil for a beat of none of these words.
    public static func of(beat: String) -> BeatKind? {
        let beatWords = Set(beat.lowercased().split { !$0.isLetter }.map(String.init))
        return words.first { _, list in list.contains(where: beatWords.contains) }?.0
    }
}
