/// The closed word lists the deterministic extractor matches. Closed on purpose: a pattern
/// over a short list of words that mean one thing is what keeps its precision high.
enum PatternLexicon {
    /// Capitalised mid-sentence yet no one's name.
    static let notNames: Set<String> = [
        "i", "i'm", "i'll", "i've", "i'd", "o", "oh", "god", "heaven", "heavens", "sir", "madam", "ma'am", "lord", "christ",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
        "christmas", "easter", "english", "french", "german", "italian", "chapter", "mr", "mrs", "miss", "ms", "dr",
    ]
    static let pronounsMale: Set<String> = ["he", "his", "him", "himself"]
    static let pronounsFemale: Set<String> = ["she", "her", "hers", "herself"]
    /// Nouns for a person that may stand between a name and a pronoun and take the pronoun instead.
    static let personNouns: Set<String> = [
        "man", "woman", "girl", "boy", "lady", "gentleman", "child", "mother", "father", "sister", "brother", "wife", "husband",
        "stranger", "servant", "aunt", "uncle", "daughter", "son", "fellow", "doctor", "captain", "maid", "landlord", "officer", "clerk",
    ]
    /// Words that put a statement in doubt, in the past or in a hypothetical.
    static let hedges: Set<String> = [
        "if", "though", "although", "unless", "whether", "thought", "think", "feared", "fear", "believed", "believe", "supposed",
        "suppose", "fancied", "perhaps", "almost", "nearly", "would", "might", "could", "should", "lest", "wish", "wished", "hoped",
        "rumour", "rumoured", "reported", "said", "seemed", "as", "not", "never", "no",
    ]
    /// Words that set an age in the past ("when she was ten").
    static let backstory: Set<String> = ["when", "since", "until", "till", "ago", "once", "before", "after", "then"]
    /// Deeds that need their doer alive: speech tags and plain movements and gestures.
    static let deeds: Set<String> = [
        "said", "asked", "replied", "answered", "cried", "exclaimed", "whispered", "shouted", "called", "laughed", "smiled", "nodded",
        "walked", "ran", "went", "came", "entered", "rose", "sat", "turned", "took", "opened", "wrote", "spoke", "began", "returned",
        "added", "continued", "observed", "remarked", "muttered", "sighed", "shrugged", "grinned", "frowned", "hurried", "followed",
        "arrived", "stood", "answered", "declared", "insisted", "murmured", "pleaded",
    ]
    /// Speech verbs that stand before the speaker in a tag ("said Hale").
    static let speechTags: Set<String> = [
        "said", "asked", "replied", "answered", "cried", "exclaimed", "whispered", "shouted", "returned", "continued", "observed",
        "remarked", "muttered", "added", "murmured", "declared", "insisted", "pleaded",
    ]
    /// Words that move someone or let time pass: each one ends a beat of story time.
    static let beatBreaks: Set<String> = [
        "went", "go", "goes", "going", "gone", "came", "come", "comes", "coming", "walked", "walk", "ran", "run", "hurried", "returned",
        "return", "left", "leave", "leaving", "entered", "arrived", "followed", "crossed", "climbed", "descended", "moved", "rode",
        "drove", "travelled", "traveled", "journeyed", "fled", "rushed", "stepped", "passed", "reached", "quitted", "departed",
        "later", "afterwards", "afterward", "meanwhile", "next", "morning", "evening", "night", "hour", "hours", "minutes", "day",
        "days", "week", "weeks", "month", "months", "year", "years", "soon", "presently", "then", "when", "till", "until", "after",
        "mounted", "jumped", "led", "brought", "carried", "upstairs", "downstairs", "outside", "inside", "back", "away", "out",
    ]
    /// Places a person is in or goes to, as common nouns.
    static let places: Set<String> = [
        "kitchen", "garden", "library", "parlour", "parlor", "drawing-room", "study", "cellar", "attic", "stable", "stables", "church",
        "chapel", "orchard", "bedroom", "dining-room", "ballroom", "conservatory", "shop", "inn", "tavern", "forest", "wood",
        "meadow", "carriage", "boat", "courtyard", "nursery", "office", "barn", "village", "town", "churchyard", "graveyard",
        "cottage", "schoolroom", "breakfast-room", "gallery", "shrubbery", "lane", "harbour", "station", "market", "square",
    ]
    static let stateVerbs: Set<String> = ["was", "sat", "stood", "lay", "waited", "remained", "stayed", "slept", "lingered"]
    static let motionVerbs: Set<String> = ["went", "walked", "ran", "hurried", "came", "returned", "drove", "rode", "travelled", "traveled", "fled", "rushed", "arrived", "stepped", "crept"]
    /// Things a person carries, gives and loses.
    static let objects: Set<String> = [
        "key", "letter", "ring", "knife", "pistol", "revolver", "locket", "watch", "map", "purse", "sword", "dagger", "necklace",
        "bracelet", "brooch", "photograph", "miniature", "diary", "journal", "notebook", "lantern", "coin", "phial", "bottle",
        "medallion", "pendant", "wallet", "pocket-book", "telegram", "envelope", "parcel", "box", "casket", "amulet", "compass",
    ]
    static let acquiring: Set<String> = ["took", "seized", "snatched", "grabbed", "found", "bought", "received", "pocketed", "accepted", "stole", "recovered", "retrieved", "picked", "caught"]
    static let releasing: Set<String> = ["lost", "dropped", "sold", "threw", "surrendered", "burned", "burnt", "destroyed", "abandoned"]
    static let using: Set<String> = ["held", "turned", "used", "drew", "produced", "wore", "fingered", "clutched", "gripped", "brandished", "raised", "unlocked", "opened", "showed", "twisted", "weighed"]
    static let giving: Set<String> = ["gave", "handed", "passed", "lent", "sent", "returned"]
    static let particles: Set<String> = ["up", "out", "away", "down", "back", "off"]
    static let knowing: Set<String> = ["knew"]
    static let learning: Set<String> = ["learned", "learnt", "discovered", "realised", "realized", "heard"]
    static let connectors: Set<String> = ["that", "of", "about"]
    static let articles: Set<String> = ["the", "a", "an"]
    static let kin: [String: Kinship] = [
        "sister": .sibling, "brother": .sibling, "mother": .parent, "father": .parent, "son": .child, "daughter": .child,
        "wife": .spouse, "husband": .spouse, "cousin": .cousin, "aunt": .auntOrUncle, "uncle": .auntOrUncle, "niece": .nieceOrNephew,
        "nephew": .nieceOrNephew, "grandmother": .grandparent, "grandfather": .grandparent, "grandson": .grandchild, "granddaughter": .grandchild,
    ]
    static let bodyParts: Set<String> = ["cheek", "face", "hand", "chin", "forehead", "brow", "arm", "neck", "lip", "temple", "jaw", "wrist", "shoulder", "throat", "eyebrow"]

    static let units = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

    /// A number in words or digits: "28", "twenty-eight", "twenty", "five-and-twenty".
    static func number(_ word: String) -> Int? {
        if let value = Int(word) { return value }
        if let unit = units.firstIndex(of: word) { return unit }
        if let ten = tens.firstIndex(of: word), ten >= 2 { return ten * 10 }
        let pieces = word.split(separator: "-").map(String.init)
        if pieces.count == 2, let ten = tens.firstIndex(of: pieces[0]), ten >= 2, let unit = units.firstIndex(of: pieces[1]), (1...9).contains(unit) { return ten * 10 + unit }
        if pieces.count == 3, pieces[1] == "and", let unit = units.firstIndex(of: pieces[0]), (1...9).contains(unit), let ten = tens.firstIndex(of: pieces[2]), ten >= 2 { return ten * 10 + unit }
        return nil
    }

    /// Words as the injector writes numbers (the inverse of `number` for 1–99).
    static func words(_ value: Int) -> String {
        if value < 20 { return units[value] }
        let ten = tens[value / 10], unit = value % 10
        return unit == 0 ? ten : "\(ten)-\(units[unit])"
    }
}
