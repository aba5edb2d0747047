/// The book's named entities with every name form merged into the one it stands for:
/// "Marcus", "Marcus Hale", "Mr Hale" and "Hale" are one character, while "Mr Hale" and
/// "Mrs Hale" stay two. A form that could be two people ("Hale" beside both) stays unresolved
/// rather than guessed: a fact pinned on the wrong character is worse than one not recorded.
public struct Cast: Sendable {
    public private(set) var entities: [Entity] = []
    /// Forms that fit more than one entity, with the entities they fit.
    public private(set) var ambiguous: [NameForm: [EntityID]] = [:]
    private var byForm: [NameForm: EntityID] = [:]
    private var byID: [EntityID: Int] = [:]
    var byFormKeys: [NameForm] { Array(byForm.keys) + Array(ambiguous.keys) }

    /// The entity `form` names, if it names exactly one.
    public func entityID(for form: NameForm) -> EntityID? { byForm[form] }
    public func entity(_ id: EntityID) -> Entity? { byID[id].map { entities[$0] } }
    /// The entity a written name ("Mr. Hale") stands for.
    public func entity(named text: String) -> Entity? { entityID(for: NameForm(parsing: text)).flatMap(entity) }

    /// One group of forms taken for one person while merging.
    private struct Person {
        var first: String?
        var last: String?
        var titles: Set<Title> = []
        var forms: [NameForm] = []
        var evidence = NameEvidence()
        var gender: Gender?

        /// Whether `form` (with its own gender hint) can be this person.
        func admits(_ form: NameForm, gender hint: Gender?) -> Bool {
            if let title = form.title, !titles.allSatisfy({ $0.fits(title) }) { return false }
            if let gender, let hint, gender != hint { return false }
            return true
        }

        mutating func add(_ form: NameForm, _ evidence: NameEvidence, gender hint: Gender?) {
            forms.append(form)
            self.evidence.add(evidence)
            if let title = form.title { titles.insert(title) }
            if gender == nil { gender = hint }
        }
    }

    /// Merges the forms the text shows, from the fullest to the barest: full names make people,
    /// a titled name joins the one person it fits, a bare name the one person it is the first
    /// or last name of.
    public init(evidence: [NameForm: NameEvidence]) {
        func hint(_ form: NameForm, _ evidence: NameEvidence) -> Gender? {
            if let gender = form.title?.gender { return gender }
            if let gender = evidence.pronounGender { return gender }
            // A surname says nothing; a first name may.
            if form.parts.count >= 2 || form.title == nil || form.title?.takesFirstName == true { return GivenNames.gender(form.parts[0]) }
            return nil
        }
        let ordered = evidence.sorted { a, b in
            (a.key.parts.count, a.value.mentions, b.key.description) > (b.key.parts.count, b.value.mentions, a.key.description)
        }
        var people: [Person] = []
        var unresolved: [NameForm: [Int]] = [:]

        for (form, seen) in ordered where form.parts.count >= 2 {
            let first = form.parts.first!, last = form.parts.last!, gender = hint(form, seen)
            if let index = people.firstIndex(where: { $0.first == first && $0.last == last && $0.admits(form, gender: gender) }) {
                people[index].add(form, seen, gender: gender)
            } else {
                var person = Person(first: first, last: last)
                person.add(form, seen, gender: gender)
                people.append(person)
            }
        }
        for (form, seen) in ordered where form.parts.count == 1 && form.title != nil {
            let name = form.parts[0], title = form.title!, gender = hint(form, seen)
            let fitting = people.indices.filter { people[$0].admits(form, gender: gender) && (people[$0].last == name || title.takesFirstName && people[$0].first == name) }
            if fitting.count == 1 {
                people[fitting[0]].add(form, seen, gender: gender)
            } else {
                // None, or several (three Bennet sisters for one "Miss Bennet"): a person of its own.
                let isFirstName = title.takesFirstName && GivenNames.gender(name) != nil
                var person = Person(first: isFirstName ? name : nil, last: isFirstName ? nil : name)
                person.add(form, seen, gender: gender)
                people.append(person)
            }
        }
        for (form, seen) in ordered where form.parts.count == 1 && form.title == nil {
            let name = form.parts[0], gender = hint(form, seen)
            let fitting = people.indices.filter { people[$0].admits(form, gender: gender) && (people[$0].first == name || people[$0].last == name) }
            if fitting.count == 1 {
                people[fitting[0]].add(form, seen, gender: gender)
            } else if fitting.isEmpty {
                let isFirstName = GivenNames.gender(name) != nil
                var person = Person(first: isFirstName ? name : nil, last: isFirstName ? nil : name)
                person.add(form, seen, gender: gender)
                people.append(person)
            } else {
                unresolved[form] = fitting
            }
        }

        var idOfPerson: [Int: EntityID] = [:]
        var used: Set<EntityID> = []
        for (index, person) in people.enumerated() {
            let isPerson = !person.titles.isEmpty || person.evidence.asPerson > 0 || person.evidence.pronounGender != nil || person.first.map { GivenNames.gender($0) != nil } == true
            let kind: EntityKind
            if isPerson { kind = .character } else if person.evidence.asPlace > 0 { kind = .place } else { continue }
            let byUse = person.forms.sorted { a, b in (evidence[a]?.mentions ?? 0, b.description) > (evidence[b]?.mentions ?? 0, a.description) }
            let canonical: NameForm
            if let first = person.first, let last = person.last, first != last {
                canonical = byUse.first { $0.title == nil && $0.parts.count >= 2 } ?? NameForm(title: nil, parts: [first, last])
            } else {
                canonical = byUse.first { $0.title != nil } ?? byUse[0]
            }
            var id = EntityID.slug(canonical.description, kind: kind)
            var suffix = 2
            while used.contains(id) {
                id = EntityID.slug("\(canonical.description) \(suffix)", kind: kind)
                suffix += 1
            }
            used.insert(id)
            idOfPerson[index] = id
            let aliases = byUse.map(\.description).filter { $0 != canonical.description }
            byID[id] = entities.count
            entities.append(Entity(id: id, kind: kind, canonicalName: canonical.description, aliases: aliases, gender: kind == .character ? person.gender : nil))
            for form in person.forms { byForm[form] = id }
        }
        for (form, indices) in unresolved.sorted(by: { $0.key.description < $1.key.description }) {
            let ids = indices.compactMap { idOfPerson[$0] }
            if ids.count == 1 {
                byForm[form] = ids[0]
                entities[byID[ids[0]]!].aliases.append(form.description)
            } else if ids.count > 1 {
                ambiguous[form] = ids
            }
        }
    }
}

extension Cast {
    /// The lowercased words of every name form the cast knows: what a chapter's mentions are read with.
    var nameWords: Set<String> {
        var words = Set<String>()
        for form in byFormKeys { for part in form.parts { words.insert(part.lowercased()) } }
        return words
    }
}
