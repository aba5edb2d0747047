import WorkbenchCore

/// The writer under the `coherence` instruction: prose that keeps one thread of events and
/// referents per scene, still built from templates and deterministic per seed.
///
/// A scene has a cast of one or two (the first carried over from the scene before), one place
/// and one or two objects, and a plan of beats: arrive, be joined, then for each object find
/// it, hold it, perhaps talk about it or hand it over, and use it. A character is named in
/// full the first time the text meets them, by first name at the start of a paragraph or when
/// the sentence before did not mention them, and otherwise by a pronoun of their gender when
/// no one else in the scene shares it. Places and objects come in with an indefinite article
/// and go on with a definite one. Every sentence shares a character, an object or the place
/// with the one before. The response surface's other properties (dialogue, sensory detail,
/// emotion, the obsession) enter at their probabilities, told about the scene's people and
/// objects. Like `Lexicon`'s plain sentences, these templates use no word of the Quality
/// lexicons.
struct SceneThread {
    struct Person: Equatable {
        var first: String
        var full: String
        var female: Bool
        var subject: String { female ? "she" : "he" }
        var object: String { female ? "her" : "him" }
        var possessive: String { female ? "her" : "his" }
    }

    struct Place {
        var indefinite: String
        var definite: String
        var preposition: String
        var fixtures: [String]
    }

    struct Thing {
        var indefinite: String
        var definite: String
        /// What using it looks like; `#` stands for its definite form.
        var uses: [String]
    }

    static let places: [Place] = [
        Place(indefinite: "a market square", definite: "the square", preposition: "in", fixtures: ["the well", "the town hall steps", "the fish stalls"]),
        Place(indefinite: "an orchard", definite: "the orchard", preposition: "in", fixtures: ["the gate", "the oldest tree", "the ladder"]),
        Place(indefinite: "a boathouse", definite: "the boathouse", preposition: "in", fixtures: ["the slipway", "the workbench", "the oars"]),
        Place(indefinite: "a railway station", definite: "the station", preposition: "at", fixtures: ["the booking office", "the platform bench", "the waiting room"]),
        Place(indefinite: "a small chapel", definite: "the chapel", preposition: "in", fixtures: ["the font", "the back pew", "the vestry door"]),
        Place(indefinite: "a ferry landing", definite: "the landing", preposition: "on", fixtures: ["the bollards", "the ferryman's hut", "the railings"]),
        Place(indefinite: "a hay barn", definite: "the barn", preposition: "in", fixtures: ["the loft ladder", "the cart", "the feed bins"]),
        Place(indefinite: "a lending library", definite: "the library", preposition: "in", fixtures: ["the reading table", "the returns desk", "the atlas stand"]),
        Place(indefinite: "a stone bridge", definite: "the bridge", preposition: "on", fixtures: ["the parapet", "the lamp post", "the steps to the towpath"]),
        Place(indefinite: "a post office", definite: "the post office", preposition: "at", fixtures: ["the counter", "the sorting table", "the pigeonholes"]),
        Place(indefinite: "a churchyard", definite: "the churchyard", preposition: "in", fixtures: ["the lychgate", "the yew tree", "the oldest grave"]),
        Place(indefinite: "an attic room", definite: "the attic", preposition: "in", fixtures: ["the trunk", "the skylight", "the rafters"]),
        Place(indefinite: "a stable yard", definite: "the yard", preposition: "in", fixtures: ["the water trough", "the tack room", "the pump"]),
        Place(indefinite: "a bakery", definite: "the bakery", preposition: "in", fixtures: ["the counter", "the ovens", "the flour sacks"]),
        Place(indefinite: "a harbour quay", definite: "the quay", preposition: "on", fixtures: ["the crane", "the harbour office", "the fishing nets"]),
        Place(indefinite: "a village schoolroom", definite: "the schoolroom", preposition: "in", fixtures: ["the teacher's desk", "the blackboard", "the coat pegs"]),
        Place(indefinite: "a cellar", definite: "the cellar", preposition: "in", fixtures: ["the wine racks", "the coal chute", "the cellar stairs"]),
        Place(indefinite: "a roadside inn", definite: "the inn", preposition: "at", fixtures: ["the bar", "the fireplace", "the back stairs"]),
        Place(indefinite: "a water mill", definite: "the mill", preposition: "at", fixtures: ["the millrace", "the grain hoppers", "the wheel"]),
        Place(indefinite: "an empty vicarage", definite: "the vicarage", preposition: "at", fixtures: ["the hall table", "the study door", "the garden door"]),
    ]

    static let things: [Thing] = [
        Thing(indefinite: "a key", definite: "the key", uses: ["unlocked a cupboard with #", "tried # in the lock of a door"]),
        Thing(indefinite: "a letter", definite: "the letter", uses: ["opened # and read it to the end", "read # twice over"]),
        Thing(indefinite: "a ledger", definite: "the ledger", uses: ["opened # at the last page", "counted the entries in #"]),
        Thing(indefinite: "an old map", definite: "the map", uses: ["spread # out on a crate", "marked a cross on #"]),
        Thing(indefinite: "a lantern", definite: "the lantern", uses: ["lit #", "hung # on a hook"]),
        Thing(indefinite: "a wooden box", definite: "the box", uses: ["opened #", "pried the lid off #"]),
        Thing(indefinite: "a photograph", definite: "the photograph", uses: ["turned # face down", "slid # into an envelope"]),
        Thing(indefinite: "a knife", definite: "the knife", uses: ["cut a length of string with #", "used # to lift a floorboard"]),
        Thing(indefinite: "a parcel", definite: "the parcel", uses: ["untied #", "tore the paper off #"]),
        Thing(indefinite: "a ring", definite: "the ring", uses: ["slipped # onto a finger", "threaded # onto a chain"]),
        Thing(indefinite: "a ticket", definite: "the ticket", uses: ["showed # to a clerk", "tucked # into a glove"]),
        Thing(indefinite: "a compass", definite: "the compass", uses: ["checked # twice", "followed # north"]),
        Thing(indefinite: "a note", definite: "the note", uses: ["read # again", "copied # into a pocketbook"]),
        Thing(indefinite: "a coil of rope", definite: "the rope", uses: ["tied # to a post", "lowered # over the edge"]),
        Thing(indefinite: "a bottle", definite: "the bottle", uses: ["uncorked #", "set # on a shelf"]),
        Thing(indefinite: "a candle", definite: "the candle", uses: ["lit #", "set # in a holder"]),
        Thing(indefinite: "a notebook", definite: "the notebook", uses: ["wrote a line in #", "tore a page from #"]),
        Thing(indefinite: "a spade", definite: "the spade", uses: ["dug a hole with #", "leaned # against a wall"]),
        Thing(indefinite: "a basket", definite: "the basket", uses: ["set # on a table", "filled # with apples"]),
        Thing(indefinite: "an envelope", definite: "the envelope", uses: ["tore # open", "sealed # again"]),
        Thing(indefinite: "a pocket watch", definite: "the watch", uses: ["wound #", "set # by the church clock"]),
        Thing(indefinite: "a small book", definite: "the book", uses: ["opened # at a marked page", "put # back on a shelf"]),
    ]

    /// Surnames for first names given alone: the same name always gets the same one.
    static let surnames = ["Venn", "Hale", "Ashby", "Marlow", "Crane", "Holt", "Farrow", "Lisle", "Penrose", "Quill", "Tarrant", "Wyatt", "Corbin", "Doyle", "Fenwick", "Garrow"]
    static let femaleNames: Set<String> = [
        "mara", "ines", "anna", "clara", "ruth", "nell", "sarah", "emma", "jane", "mary", "lucy", "alice", "grace", "rose", "eleanor",
        "margaret", "catherine", "agnes", "ada", "edith", "helen", "iris", "lena", "nora", "ivy", "elizabeth", "harriet", "miriam",
    ]
    static let maleNames: Set<String> = [
        "elias", "tomas", "jonah", "felix", "osric", "adrian", "marcus", "tom", "john", "james", "henry", "peter", "samuel", "thomas",
        "william", "arthur", "george", "edward", "hugo", "luca", "noah", "leo", "ben", "bo", "mike", "joe", "jake", "pierre", "andre",
    ]

    /// A name's gender: from a table of common names, else a name ending in a, e, i or y is a woman's.
    static func isFemale(_ first: String) -> Bool {
        let lowered = first.lowercased()
        if femaleNames.contains(lowered) { return true }
        if maleNames.contains(lowered) { return false }
        return lowered.last.map { "aeiy".contains($0) } ?? false
    }

    static func person(_ name: String) -> Person {
        let words = name.split(separator: " ").map(String.init)
        let first = words.first ?? name
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in first.lowercased().utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        let full = words.count > 1 ? name : "\(first) \(surnames[Int(hash % UInt64(surnames.count))])"
        return Person(first: first, full: full, female: isFemale(first))
    }

    enum Beat: Equatable {
        case arrive, join, find(Int), hold(Int), ask(Int), answer(Int), give(Int), use(Int), move, leave
    }

    struct Scene {
        var cast: [Int]
        var place: Int
        var holder: Int
        var plan: [Beat]
        /// The object in hand: the one last found, or one carried in from the scene before.
        var active: Int?
        var carried: Int?
        var together = false
        /// Where each object was found.
        var foundAt: [Int: String] = [:]
        /// Whether arriving (and being joined) is over: until then nobody speaks.
        var settled = false
        var other: Int? { cast.first { $0 != holder } }
    }

    let people: [Person]
    private var placeOrder: [Int]
    private var thingOrder: [Int]
    private var placesUsed = 0
    private var thingsUsed = 0
    private var introducedPeople: Set<Int> = []
    private var introducedPlaces: Set<Int> = []
    private var scene: Scene?
    /// People mentioned in the sentence before, and in the one being built.
    private var previous: Set<Int> = []
    private var current: Set<Int> = []
    private var paragraphStart = false
    private var owedLines = 0

    init(cast: [String], random: inout SeededGenerator) {
        var seen: Set<String> = []
        let named = cast.map(Self.person).filter { seen.insert($0.first).inserted }
        people = named.isEmpty ? ["Mara", "Elias", "Ines"].map(Self.person) : named
        placeOrder = Self.shuffled(Self.places.count, &random)
        thingOrder = Self.shuffled(Self.things.count, &random)
    }

    static func shuffled(_ count: Int, _ random: inout SeededGenerator) -> [Int] {
        var order = Array(0..<count)
        for index in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        return order
    }

    // MARK: Sentences

    /// The next sentence. A new scene starts with a paragraph once the scene before has run
    /// through its plan; a scene whose plan is done lingers until its paragraph ends.
    mutating func next(startsParagraph: Bool, probabilities: [String: Double], obsession: String, random: inout SeededGenerator) -> String {
        paragraphStart = startsParagraph
        if scene == nil || (startsParagraph && scene!.plan.isEmpty) { beginScene(&random) }
        current = []
        var text: String
        // Nobody speaks before the scene has its people and place; a line drawn then is
        // spoken later, so the share of dialogue stays the surface's.
        let speaks = random.nextUnit() < probabilities["dialogue"]!
        if speaks, !scene!.settled { owedLines += 1 }
        if scene!.settled, speaks || owedLines > 0 {
            if !speaks { owedLines -= 1 }
            text = dialogue(&random)
        } else {
            let beat = scene!.plan.isEmpty ? nil : scene!.plan.removeFirst()
            let subject: Int
            (text, subject) = beat.map { render($0, &random) } ?? linger(&random)
            // A paragraph inside a scene says where it still is: "In the square, Mara …".
            if startsParagraph, beat != .arrive, people.contains(where: { text.hasPrefix($0.first) }), random.nextUnit() < 0.3 {
                text = "\(place.preposition) \(place.definite), " + text
            }
            if beat != .arrive && beat != .join { scene!.settled = true }
            if random.nextUnit() < probabilities["sensory"]! { text += ", " + sensory(people[subject], &random) }
            if random.nextUnit() < probabilities["emotion"]! { text += ", " + emotion(subject, &random) }
            if random.nextUnit() < probabilities["obsession"]! { text += obsessionClause(subject, target: obsession, &random) }
            // Absent unless the prompt asks for romantic tension: no draw otherwise.
            if let romance = probabilities["romance"], random.nextUnit() < romance { text += ", " + romanceClause(subject, &random) }
            text += "."
        }
        previous = current
        return text.capitalizedFirst
    }

    private mutating func beginScene(_ random: inout SeededGenerator) {
        let before = scene
        // Who: someone the last sentence was about goes on (the one holding the thread, or now
        // and then their companion); often with a second.
        var first = Int(random.next() % UInt64(people.count))
        if let before {
            let inView = before.cast.filter(previous.contains)
            first = inView.contains(before.holder) || inView.isEmpty ? before.holder : inView[0]
            if inView.count == 2, random.nextUnit() < 0.35 { first = inView.first { $0 != first }! }
        }
        var cast = [first]
        if people.count > 1, random.nextUnit() < 0.65 {
            if let partner = before.flatMap({ $0.cast.first { $0 != first } }), random.nextUnit() < 0.5 {
                cast.append(partner)
            } else {
                var other = Int(random.next() % UInt64(people.count - 1))
                if other >= first { other += 1 }
                cast.append(other)
            }
        }
        let place = placeOrder[placesUsed % placeOrder.count]
        placesUsed += 1
        var next = Scene(cast: cast, place: place, holder: first, plan: [.arrive])
        if let held = before?.active, before?.holder == first, random.nextUnit() < 0.5 {
            next.carried = held
            next.active = held
        }
        if cast.count == 2 {
            next.together = cast.allSatisfy(introducedPeople.contains) && random.nextUnit() < 0.5
            if !next.together { next.plan.append(.join) }
        }
        let count = random.nextUnit() < 0.4 ? 2 : 1
        for index in 0..<count {
            let thing = thingOrder[thingsUsed % thingOrder.count]
            thingsUsed += 1
            if index > 0, random.nextUnit() < 0.5 { next.plan.append(.move) }
            next.plan += [.find(thing), .hold(thing)]
            if cast.count == 2 {
                switch random.next() % 3 {
                case 0: next.plan += [.ask(thing), .answer(thing)]
                case 1: next.plan.append(.give(thing))
                default: break
                }
            }
            next.plan.append(.use(thing))
        }
        if random.nextUnit() < 0.3 { next.plan.append(.leave) }
        scene = next
    }

    enum Role { case subject, object }

    /// How to refer to a person here: full name the first time, a pronoun when the sentence
    /// already has them or the one before did (and nobody else in the scene shares the
    /// gender), else the first name; paragraphs open with names.
    private mutating func refer(_ index: Int, _ role: Role, _ random: inout SeededGenerator) -> String {
        let person = people[index]
        defer { current.insert(index) }
        let pronoun = role == .subject ? person.subject : person.object
        if current.contains(index) { return pronoun }
        if introducedPeople.insert(index).inserted { return person.full }
        let unambiguous = !scene!.cast.contains { $0 != index && people[$0].female == person.female }
        if !paragraphStart, previous.contains(index), unambiguous, random.nextUnit() < 0.6 { return pronoun }
        return person.first
    }

    /// A name, never a pronoun: the full one the first time.
    private mutating func name(_ index: Int) -> String {
        current.insert(index)
        return introducedPeople.insert(index).inserted ? people[index].full : people[index].first
    }

    /// "they" when both were in the sentence before (not at a paragraph's start), else both names.
    private mutating func both(_ random: inout SeededGenerator) -> String {
        let scene = scene!
        guard let other = scene.other else { return refer(scene.holder, .subject, &random) }
        if !paragraphStart, previous.contains(scene.holder), previous.contains(other) {
            current.formUnion([scene.holder, other])
            return "they"
        }
        return "\(name(scene.holder)) and \(name(other))"
    }

    private func pick(_ bank: [String], _ random: inout SeededGenerator) -> String { Lexicon.pick(bank, &random) }

    private var place: Place { Self.places[scene!.place] }

    private func fixture(_ random: inout SeededGenerator) -> String { pick(place.fixtures, &random) }

    private func use(_ thing: Int, _ random: inout SeededGenerator) -> String {
        pick(Self.things[thing].uses, &random).replacingOccurrences(of: "#", with: Self.things[thing].definite)
    }

    /// The sentence for a beat, without its final stop, and whose sentence it is.
    private mutating func render(_ beat: Beat, _ random: inout SeededGenerator) -> (String, Int) {
        let holder = scene!.holder
        switch beat {
        case .arrive:
            let opener = pick(Lexicon.openers, &random)
            let subject = scene!.together ? both(&random) : refer(holder, .subject, &random)
            let placeName = introducedPlaces.insert(scene!.place).inserted ? place.indefinite : place.definite + " again"
            if let carried = scene!.carried, !scene!.together {
                return ("\(opener) \(subject) took \(Self.things[carried].definite) to \(placeName)", holder)
            }
            return ("\(opener) \(subject) \(pick(["came to", "arrived at", "reached"], &random)) \(placeName)", holder)
        case .join:
            let other = scene!.other!
            let who = refer(other, .subject, &random)
            let whom = refer(holder, .object, &random)
            if random.next() % 2 == 0 {
                return ("\(who) \(pick(["was waiting for", "had come to meet", "was looking for", "had waited all day for"], &random)) \(whom) \(place.preposition) \(place.definite)", other)
            }
            return ("\(who) \(pick(["followed", "joined", "caught up with"], &random)) \(whom) \(pick(["by", "near", "beside"], &random)) \(fixture(&random))", other)
        case .find(let thing):
            scene!.active = thing
            let spot = fixture(&random)
            scene!.foundAt[thing] = spot
            let item = Self.things[thing].indefinite
            let near = pick(["by", "beside", "behind", "near"], &random)
            switch random.next() % 4 {
            case 0: return ("\(refer(holder, .subject, &random)) found \(item) \(near) \(spot)", holder)
            case 1: return ("\(refer(holder, .subject, &random)) \(pick(["saw", "spotted", "noticed"], &random)) \(item) \(near) \(spot)", holder)
            case 2: return ("\(near) \(spot), \(refer(holder, .subject, &random)) came upon \(item)", holder)
            default: return ("\(refer(holder, .subject, &random)) \(pick(["knelt", "stooped", "bent down"], &random)) \(near) \(spot) and drew out \(item)", holder)
            }
        case .hold(let thing):
            let item = Self.things[thing].definite
            let then = random.nextUnit() < 0.35 ? "then " : ""
            let who = refer(holder, .subject, &random)
            var text: String
            switch random.next() % 5 {
            case 0: text = "\(then)\(who) picked up \(item) and \(pick(["turned it over", "held it up", "looked it over", "weighed it"], &random))"
            case 1: text = "\(then)\(who) lifted \(item) \(pick(Lexicon.manners, &random))"
            case 2: text = "\(then)\(who) \(pick(["put", "slipped", "tucked"], &random)) \(item) into \(people[holder].possessive) \(pick(["pocket", "coat", "satchel", "apron"], &random))"
            case 3: text = "\(then)\(who) wiped \(item) \(pick(["clean", "on a sleeve", "with a cloth"], &random))"
            default: text = "\(then)\(who) \(pick(["kept", "held"], &random)) \(item) \(pick(["close", "tight", "in both hands"], &random))"
            }
            if random.nextUnit() < 0.2 {
                if let other = scene!.other, random.next() % 2 == 0 {
                    text += ", because \(refer(other, .subject, &random)) had \(pick(["asked for it", "wanted it", "sent for it"], &random))"
                } else {
                    text += random.next() % 4 == 0 ? ", because nobody had missed it"
                        : ", because \(pick(["someone", "a stranger"], &random)) had \(pick(["left it", "hidden it", "dropped it"], &random)) \(pick(["there", "in a hurry", "on purpose"], &random))"
                }
            }
            return (text, holder)
        case .ask(let thing):
            let other = scene!.other!
            let item = Self.things[thing].definite
            let who = refer(other, .subject, &random)
            let whom = refer(holder, .object, &random)
            switch random.next() % 3 {
            case 0: return ("\(who) asked \(whom) who had left \(item) there", other)
            case 1: return ("\(who) asked \(whom) why \(item) mattered", other)
            default: return ("\(who) asked \(whom) where \(item) had been", other)
            }
        case .answer(let thing):
            let other = scene!.other!
            let who = refer(holder, .subject, &random)
            let spot = scene!.foundAt[thing] ?? fixture(&random)
            if random.next() % 2 == 0 { return ("so \(who) pointed \(pick(["out", "back at", "toward"], &random)) \(spot)", holder) }
            let verb = pick(["told", "took", "led"], &random)
            return ("so \(who) \(verb) \(refer(other, .object, &random)) \(verb == "told" ? "about" : "over to") \(spot)", holder)
        case .give(let thing):
            let other = scene!.other!
            let who = refer(holder, .subject, &random)
            let text = "\(who) \(pick(["handed", "passed", "gave"], &random)) \(Self.things[thing].definite) to \(refer(other, .object, &random))"
            scene!.holder = other
            return (random.next() % 2 == 0 ? text : text + " \(pick(["without a word", "at last", "with care", "in silence"], &random))", holder)
        case .use(let thing):
            let connective = random.nextUnit() < 0.5 ? pick(["then ", "so ", "after that, "], &random) : ""
            return ("\(connective)\(refer(holder, .subject, &random)) \(use(thing, &random))", holder)
        case .move:
            let subject = both(&random)
            return ("then \(subject) \(pick(["walked", "went", "crossed", "hurried"], &random)) \(pick(["over to", "toward", "as far as"], &random)) \(fixture(&random))", holder)
        case .leave:
            let subject = both(&random)
            return ("\(subject) left \(place.definite) \(pick(["by way of", "past"], &random)) \(fixture(&random))", holder)
        }
    }

    /// After the plan: staying with the place and the object in hand until the paragraph ends.
    private mutating func linger(_ random: inout SeededGenerator) -> (String, Int) {
        let holder = scene!.holder
        let item = scene!.active.map { Self.things[$0].definite }
        let near = pick(["by", "near", "beside"], &random)
        if let other = scene!.other, random.next() % 2 == 0 {
            switch random.next() % 3 {
            case 0:
                let who = refer(other, .subject, &random)
                let action = item.map { "\(pick(["put", "set", "tucked"], &random)) \($0) away" } ?? "looked around"
                return ("\(who) waited while \(refer(holder, .subject, &random)) \(action)", other)
            case 1:
                return ("\(both(&random)) \(pick(["stood", "lingered", "sat"], &random)) \(near) \(fixture(&random)) \(pick(Lexicon.manners, &random))", holder)
            default:
                let who = refer(holder, .subject, &random)
                return ("\(who) asked \(refer(other, .object, &random)) to \(pick(["wait", "stay", "keep watch"], &random)) \(near) \(fixture(&random))", holder)
            }
        }
        let who = refer(holder, .subject, &random)
        switch random.next() % 4 {
        case 0: return ("\(who) stayed \(place.preposition) \(place.definite) \(pick(["a while longer", "until noon", "for an hour", "until the clock struck"], &random))", holder)
        case 1: return ("\(who) \(pick(["waited", "rested", "sat"], &random)) \(near) \(fixture(&random))\(item.map { " with \($0)" } ?? "")", holder)
        case 2: return ("\(who) \(pick(["waited", "paused", "stopped"], &random))", holder)
        default:
            if let item { return ("\(who) \(pick(["looked at", "studied", "considered"], &random)) \(item) \(pick(Lexicon.manners, &random))", holder) }
            return ("\(who) walked once around \(place.definite)", holder)
        }
    }

    /// A line about the object in hand (or the place), spoken by someone in the scene.
    private mutating func dialogue(_ random: inout SeededGenerator) -> String {
        let scene = scene!
        let speaker = scene.other.map { random.next() % 2 == 0 ? $0 : scene.holder } ?? scene.holder
        let addressee = scene.cast.first { $0 != speaker }
        let topic = scene.active.map { Self.things[$0].definite } ?? place.definite
        let verbs = scene.active == nil ? ["leave", "search", "cross", "watch"] : ["keep", "hide", "carry", "return", "show", "bury", "fetch"]
        let line: String, verb: String
        if random.next() % 3 == 0 {
            line = "\(pick(Lexicon.questionWords, &random)) \(pick(["would", "should", "did", "will", "could"], &random)) \(pick(["they", "you", "we"], &random)) \(pick(verbs, &random)) \(topic)?"
            verb = "asked"
        } else {
            line = "\(pick(["We", "You", "They"], &random)) \(pick(Lexicon.modals, &random)) \(pick(verbs, &random)) \(topic) \(pick(Lexicon.whens, &random)),"
            verb = pick(["said", "answered", "replied", "called"], &random)
        }
        // Often spoken to someone: "…," Tomas said to her.
        let tag = "\(refer(speaker, .subject, &random)) \(verb)"
        guard let addressee, random.next() % 2 == 0 else { return "\"\(line)\" \(tag)." }
        let to = verb == "asked" || verb == "answered" ? "" : "to "
        return "\"\(line)\" \(tag) \(to)\(refer(addressee, .object, &random))."
    }

    // Clauses of the surface's properties, told about the sentence's person.

    private func sensory(_ person: Person, _ random: inout SeededGenerator) -> String {
        switch random.next() % 5 {
        case 0:
            return "\(pick(Lexicon.colours, &random)) light \(pick(["fell", "lay", "spilled", "pooled", "flickered"], &random)) \(pick(["across", "over", "along", "on"], &random)) \(pick(Lexicon.surfaces, &random))"
        case 1:
            return "\(pick(["somewhere", "outside", "far off", "below", "overhead", "nearby"], &random)) \(pick(Lexicon.soundSources, &random)) \(pick(Lexicon.soundVerbs, &random))"
        case 2:
            return "\(pick(["the air", place.definite, "\(person.possessive) sleeve", "\(person.possessive) coat"], &random)) \(pick(["smelled", "reeked", "smelt"], &random)) of \(pick(Lexicon.smells, &random))"
        case 3:
            return "\(pick(["the tea", "the bread", "the wine", "the soup", "the water", "the plums"], &random)) tasted \(pick(Lexicon.tastes, &random))"
        default:
            return "\(pick(Lexicon.surfaces, &random)) \(pick(["felt", "was", "seemed"], &random)) \(pick(Lexicon.textures, &random)) \(pick(["underfoot", "to the touch", "against \(person.possessive) palm", "under \(person.possessive) hand"], &random))"
        }
    }

    private mutating func emotion(_ subject: Int, _ random: inout SeededGenerator) -> String {
        let person = people[subject]
        switch random.next() % 3 {
        case 0:
            return "and \(refer(subject, .subject, &random)) felt \(pick(Lexicon.feelings, &random)) \(pick(["rise", "stir", "settle", "spread", "return", "gather"], &random))"
        case 1:
            return pick(["\(person.possessive) hands trembled", "\(person.possessive) breath caught", "tears came", "\(person.subject) blushed", "\(person.subject) flinched",
                         "\(person.possessive) heartbeat quickened", "\(person.subject) swallowed hard", "\(person.subject) shivered"], &random)
        default:
            return "a sudden \(pick(Lexicon.feelings, &random)) \(pick(["took hold of", "seized", "came over", "struck", "overwhelmed"], &random)) \(refer(subject, .object, &random))"
        }
    }

    /// The romance knob's clause about the subject and someone else of the scene (else of the cast).
    private mutating func romanceClause(_ subject: Int, _ random: inout SeededGenerator) -> String {
        let who = refer(subject, .subject, &random)
        let inScene = scene.map { $0.cast.filter { $0 != subject } } ?? []
        let others = inScene.isEmpty ? people.indices.filter { $0 != subject } : inScene
        let other = others.isEmpty ? "a stranger" : people[others[random.below(others.count)]].first
        return "and \(who) \(pick(Lexicon.romanceDesires, &random)) \(pick(Lexicon.romanceTouches(other), &random)), \(pick(Lexicon.romanceObstacles(other), &random))"
    }

    private mutating func obsessionClause(_ subject: Int, target: String, _ random: inout SeededGenerator) -> String {
        let verb = pick(["thought again of", "remembered", "dreamed of", "could not forget", "kept returning to", "wondered about", "longed for", "brooded over"], &random)
        let who = refer(subject, .subject, &random)
        return random.next() % 2 == 0 ? ", and \(who) \(verb) \(target)" : "; \(who) \(verb) \(target)"
    }
}
