/// The deterministic rules over a book's facts, chapters in order: each finds one kind of
/// contradiction and reports it once, with the fact that set things up and the one that breaks them.
public struct ContinuityChecker: Sendable {
    public let cast: Cast
    public init(cast: Cast) { self.cast = cast }

    public func check(_ facts: [Fact]) -> [Violation] {
        let ordered = facts.sorted(by: Fact.inTextOrder)
        var bySubject: [EntityID: [Fact]] = [:]
        for fact in ordered { bySubject[fact.subject, default: []].append(fact) }
        var violations: [Violation] = []
        for subject in bySubject.keys.sorted() {
            let own = bySubject[subject]!
            violations += immutables(own)
            violations += deeds(own)
            violations += places(own)
            violations += ages(own)
            violations += knowledge(own)
        }
        violations += possessions(ordered)
        violations += relationships(ordered)
        return violations.sorted { Fact.inTextOrder($0.contradicting, $1.contradicting) }
    }

    func name(_ id: EntityID) -> String { cast.entity(id)?.canonicalName ?? id.rawValue }

    func describe(_ value: FactValue) -> String {
        switch value {
        case .colour(let colour): colour.rawValue
        case .years(let years): "\(years)"
        case .entity(let id): id.rawValue.split(separator: ":").last.map { $0.replacingOccurrences(of: "-", with: " ") } ?? id.rawValue
        case .alive(let alive): alive ? "alive" : "dead"
        case let .kin(kinship, other): "\(kinship.rawValue) of \(name(other))"
        case .topic(let topic): topic
        case .bodyPart(let part): part
        case .deed(let verb): verb
        }
    }

    func violation(_ type: ViolationType, _ established: Fact, _ contradicting: Fact, _ message: String, fix: String) -> Violation {
        Violation(type: type, established: established, contradicting: contradicting, summary: message, suggestedFix: fix)
    }

    // MARK: Rules

    /// Eye colour, hair colour, birthplace: the first value stands; hair may grey.
    func immutables(_ facts: [Fact]) -> [Violation] {
        var result: [Violation] = []
        for predicate in [Predicate.eyeColour, .hairColour, .birthplace] {
            let own = facts.filter { $0.predicate == predicate }
            guard let first = own.first else { continue }
            for later in own.dropFirst() where !Self.agrees(first.value, later.value, predicate) {
                let label = predicate == .eyeColour ? "eyes" : predicate == .hairColour ? "hair" : "birthplace"
                result.append(violation(.immutableChanged, first, later,
                    "\(name(later.subject))'s \(label): \(describe(later.value)) here, \(describe(first.value)) before",
                    fix: "Make \(name(later.subject))'s \(label) \(describe(first.value)) in \"\(later.quote.text)\" (\(later.quote.place)), or change the earlier passage."))
            }
        }
        return result
    }

    static func agrees(_ a: FactValue, _ b: FactValue, _ predicate: Predicate) -> Bool {
        switch (a, b) {
        case let (.colour(x), .colour(y)):
            if predicate == .eyeColour { return x.eyeFamily == y.eyeFamily }
            return x.hairFamily == y.hairFamily || y.isAgedHair
        default:
            return a == b
        }
    }

    /// A deed after the doer's death: the first one, with the count of the rest.
    func deeds(_ facts: [Fact]) -> [Violation] {
        guard let death = facts.first(where: { $0.predicate == .alive && $0.value == .alive(false) }) else { return [] }
        // Deeds after the death's quote ends ("Hale fell and died" is no deed after death).
        let after = facts.filter { $0.predicate == .action && ($0.quote.chapter > death.quote.chapter || $0.quote.chapter == death.quote.chapter && $0.quote.bytes.lowerBound >= death.quote.bytes.upperBound) }
        guard let first = after.first else { return [] }
        let more = after.count - 1
        return [violation(.actsAfterDeath, death, first,
            "\(name(first.subject)) \(describe(first.value)) after dying\(more > 0 ? ", and acts \(more) more time\(more == 1 ? "" : "s") after" : "")",
            fix: "Give \"\(first.quote.text)\" (\(first.quote.place)) to a living character, or move the death after it.")]
    }

    /// Two places in one beat of story time (nothing moved anyone, no time passed), within two paragraphs.
    func places(_ facts: [Fact]) -> [Violation] {
        let own = facts.filter { $0.predicate == .location }
        var result: [Violation] = []
        for (previous, current) in zip(own, own.dropFirst()) where current.aspect == .holds && previous.time == current.time {
            guard current.quote.paragraph - previous.quote.paragraph <= 2, case .entity(let a) = previous.value, case .entity(let b) = current.value, !Self.samePlace(a, b) else { continue }
            result.append(violation(.twoPlacesAtOnce, previous, current,
                "\(name(current.subject)) is in the \(describe(current.value)) and in the \(describe(previous.value)) at once",
                fix: "Move \(name(current.subject)) between the two passages (a line of movement), or make both places one."))
        }
        return result
    }

    /// "the kitchen garden" and "the garden" are one place.
    static func samePlace(_ a: EntityID, _ b: EntityID) -> Bool {
        a == b || a.rawValue.hasSuffix("-" + (b.rawValue.split(separator: ":").last.map(String.init) ?? "")) || b.rawValue.hasSuffix("-" + (a.rawValue.split(separator: ":").last.map(String.init) ?? ""))
    }

    /// An age below an earlier one, or two ages more than a year apart in one chapter.
    func ages(_ facts: [Fact]) -> [Violation] {
        let own = facts.filter { $0.predicate == .age }
        var result: [Violation] = []
        var oldest: Fact?
        var previous: Fact?
        for fact in own {
            guard case .years(let years) = fact.value else { continue }
            if let oldest, case .years(let most) = oldest.value, years < most {
                result.append(violation(.ageArithmetic, oldest, fact, "\(name(fact.subject)) is \(years) here, \(most) before",
                    fix: "Make \(name(fact.subject)) at least \(most) in \"\(fact.quote.text)\" (\(fact.quote.place)), or change the earlier age."))
            } else if let previous, previous.quote.chapter == fact.quote.chapter, case .years(let before) = previous.value, years - before > 1 {
                result.append(violation(.ageArithmetic, previous, fact, "\(name(fact.subject)) is \(years) here and \(before) earlier in the same chapter",
                    fix: "Make the two ages in chapter \(fact.quote.chapter) agree."))
            }
            if case .years(let most) = oldest?.value ?? .years(-1), years > most { oldest = fact } else if oldest == nil { oldest = fact }
            previous = fact
        }
        return result
    }

    /// Knowing something before learning it, or not knowing it after knowing it.
    func knowledge(_ facts: [Fact]) -> [Violation] {
        enum State { case knownUnlearned(Fact), learned(Fact) }
        var result: [Violation] = []
        var states: [FactValue: State] = [:]
        for fact in facts where fact.predicate == .knowledge {
            let state = states[fact.value]
            switch fact.aspect {
            case .holds:
                if state == nil { states[fact.value] = .knownUnlearned(fact) }
            case .begins:
                if case .knownUnlearned(let knew) = state {
                    result.append(violation(.knowledgeBeforeLearning, knew, fact,
                        "\(name(fact.subject)) learns \"\(describe(fact.value))\" here but knew it before",
                        fix: "Move \"\(knew.quote.text)\" (\(knew.quote.place)) after the moment \(name(fact.subject)) learns it, or drop it."))
                }
                states[fact.value] = .learned(fact)
            case .lacks:
                if let state, case .knownUnlearned(let knew) = state {
                    result.append(violation(.knowledgeBeforeLearning, knew, fact, "\(name(fact.subject)) does not know \"\(describe(fact.value))\" here but knew it before",
                        fix: "Drop \"\(knew.quote.text)\" (\(knew.quote.place)), or have \(name(fact.subject)) learn it before."))
                } else if let state, case .learned(let learned) = state {
                    result.append(violation(.knowledgeBeforeLearning, learned, fact, "\(name(fact.subject)) does not know \"\(describe(fact.value))\" here but learned it before",
                        fix: "Drop \"\(fact.quote.text)\" (\(fact.quote.place)), or move the learning after it."))
                }
                states[fact.value] = nil
            case .ends:
                break
            }
        }
        return result
    }

    /// Using an object that someone else holds, or that its user gave away or lost and never got back.
    func possessions(_ facts: [Fact]) -> [Violation] {
        var holder: [EntityID: (who: EntityID?, because: Fact)] = [:]
        var reported: Set<[EntityID]> = []
        var result: [Violation] = []
        for fact in facts where fact.predicate == .possession {
            guard case .entity(let thing) = fact.value else { continue }
            switch fact.aspect {
            case .begins:
                holder[thing] = (fact.subject, fact)
            case .ends:
                if holder[thing]?.who == nil || holder[thing]?.who == fact.subject { holder[thing] = (nil, fact) }
            case .holds:
                guard let state = holder[thing] else {
                    // The first sight of it: whoever uses it has it.
                    holder[thing] = (fact.subject, fact)
                    continue
                }
                guard state.who != fact.subject else { continue }
                let key = [thing, fact.subject, EntityID(state.because.quote.text)]
                guard !reported.contains(key) else { continue }
                reported.insert(key)
                let why = state.who.map { "\(name($0)) has it" } ?? "it was let go"
                result.append(violation(.possessionWithoutAcquisition, state.because, fact,
                    "\(name(fact.subject)) uses the \(describe(fact.value)) without getting it (\(why))",
                    fix: "Let \(name(fact.subject)) take the \(describe(fact.value)) before \"\(fact.quote.text)\" (\(fact.quote.place)), or give the deed to whoever holds it."))
            case .lacks:
                break
            }
        }
        return result
    }

    /// Two family ties for one pair that cannot both hold.
    func relationships(_ facts: [Fact]) -> [Violation] {
        var ties: [[EntityID]: (Kinship, Fact)] = [:]
        var result: [Violation] = []
        for fact in facts where fact.predicate == .relationship {
            guard case let .kin(kinship, other) = fact.value else { continue }
            // One key per pair; the tie as the first of the pair sees it.
            let pair = [fact.subject, other].sorted()
            let tie = pair[0] == fact.subject ? kinship : kinship.converse
            guard let (first, set) = ties[pair] else {
                ties[pair] = (tie, fact)
                continue
            }
            guard !first.isCompatible(with: tie) else { continue }
            result.append(violation(.relationshipContradicted, set, fact,
                "\(name(fact.subject)) is \(name(other))'s \(kinship.rawValue) here; before, \(describe(set.value))",
                fix: "Make the tie in \"\(fact.quote.text)\" (\(fact.quote.place)) match \"\(set.quote.text)\"."))
        }
        return result
    }
}
