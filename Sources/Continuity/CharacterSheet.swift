import WorkbenchCore

/// Facts the outline's character sheet sets before the first chapter (`BookCharacter`'s
/// attributes and relationships): what the author meant, so a chapter that gets it wrong is
/// the one flagged, even when it comes first.
public enum CharacterSheet {
    /// Where a sheet fact stands: before chapter 1.
    public static let chapter = 0

    /// The facts of the sheet about characters the text names (a character the text never
    /// names has nothing to contradict). Attribute keys are read loosely: `hair`, `eyes` (or
    /// `eye colour`), `age`, `birthplace` (or `born`); a relationship is read by its kinship word
    /// ("sister of", "mother", "husband").
    public static func facts(_ characters: [BookCharacter], cast: Cast) -> [Fact] {
        var facts: [Fact] = []
        for character in characters {
            guard let subject = entity(character.name, cast) else { continue }
            for key in character.attributes.keys.sorted() {
                let value = character.attributes[key]!
                let words = value.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
                let field = key.lowercased().replacingOccurrences(of: "_", with: " ")
                var read: (Predicate, FactValue)?
                if field.contains("hair"), let colour = words.lazy.compactMap(Colour.reading).first(where: { $0.hairFamily != nil }) {
                    read = (.hairColour, .colour(colour))
                } else if field.contains("eye"), let colour = words.lazy.compactMap(Colour.reading).first(where: { $0.eyeFamily != nil }) {
                    read = (.eyeColour, .colour(colour))
                } else if field == "age", let years = words.lazy.compactMap(PatternLexicon.number).first, (1...130).contains(years) {
                    read = (.age, .years(years))
                } else if field.contains("birthplace") || field.contains("born") {
                    let place = value.replacingOccurrences(of: "born in ", with: "").replacingOccurrences(of: "born at ", with: "").trimmingCharacters(in: .whitespaces)
                    if !place.isEmpty { read = (.birthplace, .entity(EntityID.slug(place, kind: .place))) }
                }
                guard let (predicate, factValue) = read else { continue }
                facts.append(fact(subject, predicate, factValue, text: "\(character.name): \(key) \(value)", rule: key))
            }
            for other in character.relationships.keys.sorted() {
                let relation = character.relationships[other]!
                guard let otherID = entity(other, cast), otherID != subject,
                      let kinship = relation.lowercased().split(whereSeparator: { !$0.isLetter }).lazy.compactMap({ PatternLexicon.kin[String($0)] }).first else { continue }
                facts.append(fact(subject, .relationship, .kin(kinship, of: otherID), text: "\(character.name): \(relation) \(other)", rule: "relationship"))
            }
        }
        return facts
    }

    static func entity(_ name: String, _ cast: Cast) -> EntityID? {
        if let entity = cast.entity(named: name) { return entity.id }
        // The sheet's full name where the text only ever says the first ("Mara Quill" as "Mara").
        let first = NameForm(parsing: name).parts.first
        return first.flatMap { cast.entity(named: $0)?.id }
    }

    static func fact(_ subject: EntityID, _ predicate: Predicate, _ value: FactValue, text: String, rule: String) -> Fact {
        let time = StoryTime(chapter: chapter, beat: 0)
        let interval: StoryInterval = predicate.attributeClass == .immutable ? .always : .from(time)
        return Fact(subject: subject, predicate: predicate, value: value, aspect: .holds,
                    quote: Quote(text: text, chapter: chapter, paragraph: 0, line: 0, bytes: 0..<text.utf8.count),
                    time: time, interval: interval, confidence: 1, origin: .outline(rule))
    }
}
