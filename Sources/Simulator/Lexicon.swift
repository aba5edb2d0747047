import WorkbenchCore

/// The simulator's word banks and sentence shapes. Plain sentences avoid every word of the
/// Quality lexicons, so sensory detail, emotion and the obsession appear only when the
/// response surface puts them in — and the metrics then measure the surface, not noise.
/// Banks are wide and fixed template text short, so five-word sequences rarely repeat.
enum Lexicon {
    static let transitive = [
        "opened", "closed", "lifted", "folded", "studied", "carried", "set down", "picked up", "pushed", "turned over",
        "mended", "counted", "read", "signed", "hid", "found", "wrapped", "unlocked", "returned", "weighed",
        "examined", "straightened", "fetched", "locked", "measured", "copied", "sorted", "buried", "kept", "sharpened",
    ]
    static let intransitive = [
        "waited", "paused", "listened", "hesitated", "turned away", "smiled", "frowned", "stood up", "sat down", "nodded",
        "shrugged", "looked away", "leaned closer", "stepped back", "knelt", "lingered", "said nothing", "kept walking",
        "stopped", "went on", "came back", "laughed", "answered at last", "held still", "moved on",
    ]
    static let objects = [
        "the letter", "the ledger", "a wooden box", "the old map", "her gloves", "the key", "a cup", "the lantern",
        "his coat", "the photograph", "a bundle of papers", "the knife", "the parcel", "a small book", "the window latch",
        "the candle", "a loaf", "the bottle", "the rope", "the accounts", "a chair", "the basket", "the compass", "a spoon",
        "the ring", "the ticket", "a note", "the shears", "the kettle", "the shutters",
    ]
    static let places = [
        "the kitchen", "the stairs", "the garden gate", "the harbour", "the chapel", "the study", "the hallway",
        "the orchard", "the bridge", "the market square", "the attic", "the stable yard", "the library", "the station",
        "the cellar", "the churchyard", "the lane", "the mill", "the landing", "the parlour", "the quay", "the inn",
        "the ferry", "the schoolroom", "the barn", "the post office", "the vicarage", "the boathouse", "the pantry", "the bakery",
    ]
    static let prepositions = ["across", "along", "toward", "through", "past", "into", "beside", "behind", "around", "up"]
    static let openers = [
        "At dawn,", "Later,", "By noon,", "For a long moment,", "After supper,", "Without a word,", "Once again,",
        "In the end,", "That evening,", "Before long,", "At last,", "Meanwhile,", "Twice that week,", "On Sunday,",
        "Some time later,", "By then,",
    ]
    static let manners = [
        "slowly", "carefully", "at last", "again", "without hurry", "once more", "with care", "in silence", "quickly",
        "twice", "as before", "for a while",
    ]
    static let conjunctions = ["while", "because", "after", "before", "until", "though", "once", "when", "since", "as"]
    static let speakers = ["We", "You", "They", "Nobody", "Someone", "Mother", "The doctor", "Father", "Everyone"]
    static let modals = ["must", "should", "will", "cannot", "could", "might", "would never", "ought to", "need not"]
    static let baseVerbs = ["open", "close", "find", "hide", "keep", "mend", "read", "sign", "burn", "sell", "bury", "fetch", "carry", "return", "lock", "forget"]
    static let whens = ["tonight", "before dark", "tomorrow", "at once", "again", "today", "after supper", "by Sunday", "this time", "in the morning"]
    static let questionWords = ["Why", "When", "Where", "How"]
    static let speechVerbs = ["said", "asked", "answered", "replied", "called"]

    // Sensory clauses: each names one sense with words from the Quality lexicon's lists.
    static let colours = ["amber", "golden", "silver", "grey", "pale", "crimson", "blue", "green", "white", "bronze"]
    static let surfaces = ["the floorboards", "the table", "the wall", "the water", "the glass", "the stones", "the bed", "the roof"]
    static let soundSources = ["a bell", "a dog", "the wind", "a cart", "a door", "the rain", "a clock", "the gulls"]
    static let soundVerbs = ["rang", "barked", "howled", "rattled", "creaked", "drummed", "ticked", "screamed", "rumbled"]
    static let smells = ["woodsmoke", "lavender", "wet wool", "tar and salt", "lilac", "mildew", "incense", "bread"]
    static let tastes = ["bitter", "sweet", "salty", "sour", "honeyed", "tangy"]
    static let textures = ["cold", "rough", "damp", "smooth", "warm", "icy", "sticky", "velvety", "gritty", "slick"]

    // Emotion clauses: terms from several categories, and bodily signs.
    static let feelings = ["fear", "grief", "joy", "anger", "shame", "longing", "dread", "relief", "sorrow", "tenderness", "guilt", "wonder", "despair", "delight"]
    static let bodily = ["her hands trembled", "his breath caught", "tears came", "she blushed", "he flinched", "her heartbeat quickened", "he swallowed hard", "she shivered"]

    static func pick(_ bank: [String], _ random: inout SeededGenerator) -> String {
        bank[Int(random.next() % UInt64(bank.count))]
    }

    /// One sentence, with each property drawn independently at its probability.
    static func sentence(cast: [String], obsession target: String, probabilities: [String: Double], random: inout SeededGenerator) -> String {
        let name = pick(cast, &random)
        if random.nextUnit() < probabilities["dialogue"]! {
            return "\"\(speech(&random))\" \(name) \(pick(speechVerbs, &random))."
        }
        var sentence = plain(name: name, cast: cast, random: &random)
        if random.nextUnit() < probabilities["sensory"]! { sentence += ", " + sensory(&random) }
        if random.nextUnit() < probabilities["emotion"]! { sentence += ", " + emotion(name: name, &random) }
        if random.nextUnit() < probabilities["obsession"]! { sentence += obsession(name: name, target: target, &random) }
        // Absent unless the prompt asks for romantic tension: then, and only then, one more draw.
        if let romance = probabilities["romance"], random.nextUnit() < romance {
            sentence += ", " + Self.romance(name: name, other: other(than: name, in: cast, &random), &random)
        }
        return sentence + "."
    }

    // Romance clauses (the `romance` knob): a desire, a touch, and what stands in the way. Each
    // clause holds two words of the romance plugin's attraction list (Experiments/plugins/
    // romance.py) and one or two of its obstacle list, and no sensory, emotion or cliché word
    // of the Quality lexicons.
    static let romanceDesires = ["ached to", "hungered to", "was aching to", "craved the chance to"]
    static func romanceTouches(_ other: String) -> [String] {
        ["touch \(other)'s hand", "brush \(other)'s fingers", "kiss \(other)", "embrace \(other)", "trace the line of \(other)'s lips"]
    }
    static func romanceObstacles(_ other: String) -> [String] {
        ["though it was forbidden", "but duty kept them apart", "though a secret stood between them", "yet it was impossible",
         "though \(other) was promised to another", "but honour forbade it"]
    }

    /// "and Mara ached to touch Elias's hand, though it was forbidden".
    static func romance(name: String, other: String, _ random: inout SeededGenerator) -> String {
        "and \(name) \(pick(romanceDesires, &random)) \(pick(romanceTouches(other), &random)), \(pick(romanceObstacles(other), &random))"
    }

    /// Someone of the cast other than `name` (a stranger when there is nobody else).
    static func other(than name: String, in cast: [String], _ random: inout SeededGenerator) -> String {
        let others = cast.filter { $0 != name }
        return others.isEmpty ? "a stranger" : pick(others, &random)
    }

    static func plain(name: String, cast: [String], random: inout SeededGenerator) -> String {
        switch random.next() % 8 {
        case 0: return "\(pick(openers, &random)) \(name) \(pick(transitive, &random)) \(pick(objects, &random))"
        case 1: return "\(name) \(pick(intransitive, &random)) \(pick(manners, &random))"
        case 2: return "\(name) \(pick(transitive, &random)) \(pick(objects, &random)) and \(pick(intransitive, &random))"
        case 3: return "\(name) went \(pick(prepositions, &random)) \(pick(places, &random)) \(connective(cast, &random))"
        case 4: return "\(pick(openers, &random)) \(name) \(pick(intransitive, &random)) in \(pick(places, &random))"
        case 5: return "\(name) \(pick(transitive, &random)) \(pick(objects, &random)), then \(pick(transitive, &random)) \(pick(objects, &random))"
        case 6: return "\(name) asked \(pick(cast, &random)) about \(pick(objects, &random)) \(connective(cast, &random))"
        default: return "\(pick(objects, &random).capitalizedFirst) lay \(pick(prepositions, &random)) \(pick(places, &random)) \(pick(manners, &random))"
        }
    }

    /// A line of dialogue composed from parts: "We must find the key before dark,", "Why would they burn the ledger?".
    static func speech(_ random: inout SeededGenerator) -> String {
        if random.next() % 3 == 0 {
            return "\(pick(questionWords, &random)) \(pick(["would", "should", "did", "will", "could"], &random)) \(pick(["they", "you", "we", "he", "she"], &random)) \(pick(baseVerbs, &random)) \(pick(objects, &random))?"
        }
        return "\(pick(speakers, &random)) \(pick(modals, &random)) \(pick(baseVerbs, &random)) \(pick(objects, &random)) \(pick(whens, &random)),"
    }

    /// "while Ines listened", "after Tomas closed the shutters": composed, so no fixed phrase repeats.
    static func connective(_ cast: [String], _ random: inout SeededGenerator) -> String {
        let who = pick(cast, &random)
        return random.next() % 2 == 0
            ? "\(pick(conjunctions, &random)) \(who) \(pick(intransitive, &random))"
            : "\(pick(conjunctions, &random)) \(who) \(pick(transitive, &random)) \(pick(objects, &random))"
    }

    static func sensory(_ random: inout SeededGenerator) -> String {
        switch random.next() % 5 {
        case 0:
            return "\(pick(colours, &random)) light \(pick(["fell", "lay", "spilled", "pooled", "flickered"], &random)) \(pick(["across", "over", "along", "on"], &random)) \(pick(surfaces, &random))"
        case 1:
            return "\(pick(["somewhere", "outside", "far off", "below", "overhead", "nearby"], &random)) \(pick(soundSources, &random)) \(pick(soundVerbs, &random))"
        case 2:
            return "\(pick(["the air", "the room", "the hallway", "her sleeve", "the stairwell", "the yard"], &random)) \(pick(["smelled", "reeked", "smelt"], &random)) of \(pick(smells, &random))"
        case 3:
            return "\(pick(["the tea", "the bread", "the wine", "the soup", "the water", "the plums"], &random)) tasted \(pick(tastes, &random))"
        default:
            return "\(pick(surfaces, &random)) \(pick(["felt", "was", "seemed"], &random)) \(pick(textures, &random)) \(pick(["underfoot", "to the touch", "against her palm", "under his hand", "beneath them"], &random))"
        }
    }

    static func emotion(name: String, _ random: inout SeededGenerator) -> String {
        switch random.next() % 3 {
        case 0: return "and \(name) felt \(pick(feelings, &random)) \(pick(["rise", "stir", "settle", "spread", "return", "gather"], &random))"
        case 1: return pick(bodily, &random)
        default: return "a sudden \(pick(feelings, &random)) \(pick(["took hold of", "seized", "came over", "struck", "overwhelmed"], &random)) \(name)"
        }
    }

    static func obsession(name: String, target: String, _ random: inout SeededGenerator) -> String {
        let verb = pick(["thought again of", "remembered", "dreamed of", "could not forget", "kept returning to", "wondered about", "longed for", "brooded over"], &random)
        return random.next() % 2 == 0 ? ", and \(name) \(verb) \(target)" : "; \(name) \(verb) \(target)"
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
