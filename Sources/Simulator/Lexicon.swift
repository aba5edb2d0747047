import WorkbenchCore

/// The simulator's word banks. Sensory phrases name one sense each (sight, sound, smell,
/// taste, touch) with a concrete object, so a detail-density metric has something real to count.
enum Lexicon {
    static let actions = [
        "crossed the courtyard", "stood at the window", "climbed the narrow stairs", "set the lamp on the table",
        "waited by the door", "walked along the river wall", "opened the letter again", "folded the map",
        "sat on the edge of the bed", "pushed open the gate", "turned back toward the house", "counted the coins twice",
        "watched the road", "lit another candle", "pulled on the heavy coat", "followed the corridor to its end",
    ]
    static let sensory = [
        "the smell of wet wool and woodsmoke filled the hall", "rain ticked against the glass",
        "a thin blade of lamplight lay across the floorboards", "the brass handle was cold under her palm",
        "the bitter taste of strong tea stayed on her tongue", "somewhere below, a dog barked twice",
        "the air smelled of cut grass and iron", "the stone step was slick and freezing beneath bare feet",
        "candle wax dripped onto the oak table", "the bell of the chapel rang out across the fields",
        "the bread tasted of salt and ash", "grey light crept over the rooftops",
        "the rough linen scratched at her wrists", "the scent of lilac drifted through the open window",
        "a cart rattled over the cobbles outside", "the mirror showed a pale, tired face",
    ]
    static let emotion = [
        "her chest tightened with a fear she could not name", "a sudden grief rose in his throat",
        "she felt the old shame burn across her face", "his hands shook with anger he would not show",
        "hope fluttered, fragile and absurd", "a cold dread settled in her stomach",
        "he felt lonelier than he had in years", "joy caught her by surprise, sharp as a splinter",
        "longing ached behind her ribs", "guilt pressed on him like a hand",
    ]
    static let obsession = [
        "thought again of %@", "could not stop thinking about %@", "wanted %@ more than anything",
        "dreamed of %@ even awake", "measured every hour against %@",
    ]
    static let speech = [
        "We cannot stay here much longer", "You knew, didn't you", "Tell me the truth for once",
        "It was never about the money", "I heard them on the stairs last night", "Leave the lamp burning",
        "Do you remember the winter we came here", "Nobody will believe us", "Then we go at first light",
        "I am not afraid of you", "Say it again, slowly", "There is something under the floor",
    ]
    static let speechVerbs = ["said", "whispered", "asked", "answered", "murmured"]

    static func pick(_ bank: [String], _ random: inout SeededGenerator) -> String {
        bank[Int(random.next() % UInt64(bank.count))]
    }

    /// One sentence, with each property drawn independently at its probability.
    static func sentence(cast: [String], obsession target: String, probabilities: [String: Double], random: inout SeededGenerator) -> String {
        let name = pick(cast, &random)
        if random.nextUnit() < probabilities["dialogue"]! {
            return "\"\(pick(speech, &random)),\" \(name) \(pick(speechVerbs, &random))."
        }
        var clauses = ["\(name) \(pick(actions, &random))"]
        if random.nextUnit() < probabilities["sensory"]! { clauses.append(pick(sensory, &random)) }
        if random.nextUnit() < probabilities["emotion"]! { clauses.append(pick(emotion, &random)) }
        if random.nextUnit() < probabilities["obsession"]! {
            clauses.append("and \(name) " + pick(obsession, &random).replacingOccurrences(of: "%@", with: target))
        }
        return clauses.joined(separator: ", ") + "."
    }
}
