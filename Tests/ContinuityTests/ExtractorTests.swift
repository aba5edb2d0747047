import Testing
@testable import Continuity

/// Reads `chapters` and returns the cast and facts.
func read(_ chapters: String...) -> BookReading {
    PatternExtractor().read(chapters.enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element) })
}

func violations(_ chapters: String...) -> [Violation] { violations(chapters) }

func violations(_ chapters: [String]) -> [Violation] {
    let reading = PatternExtractor().read(chapters.enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element) })
    return ContinuityChecker(cast: reading.cast).check(reading.facts)
}

/// A paragraph that names the cast mid-sentence, so their names are read as names.
let castLine = "That evening Marcus Hale and Mr Hale's friend Clara Marsh met at the inn, where Marcus laughed and Clara smiled. Marcus said he was tired; Clara said she was not."

@Suite struct ExtractorTests {
    @Test func eyeAndHairColourFromPossessivesAndHad() throws {
        let reading = read(castLine + "\n\nMarcus had grey eyes. Clara Marsh pushed back her red hair.\n\nMarcus's eyes were blue.")
        let marcus = try #require(reading.cast.entity(named: "Marcus"))
        let clara = try #require(reading.cast.entity(named: "Clara"))
        let eyes = reading.facts.filter { $0.predicate == .eyeColour }
        #expect(eyes.map(\.value) == [.colour(.grey), .colour(.blue)])
        #expect(eyes.allSatisfy { $0.subject == marcus.id })
        #expect(eyes[0].quote.text == "Marcus had grey eyes" && eyes[0].quote.paragraph == 2 && eyes[0].quote.line == 3)
        let hair = try #require(reading.facts.first { $0.predicate == .hairColour })
        #expect(hair.subject == clara.id && hair.value == .colour(.red) && hair.quote.text == "her red hair")
        #expect(hair.interval == .always)
    }

    @Test func agesInDigitsWordsAndTheOldForm() throws {
        let reading = read(castLine + "\n\nMarcus was 28. Clara was twenty-eight years old. Later Marcus Hale was five and twenty, he claimed.")
        let ages = reading.facts.filter { $0.predicate == .age }.map(\.value)
        #expect(ages == [.years(28), .years(28), .years(25)])
    }

    @Test func backstoryAndMeasuresAreNoAge() {
        let reading = read(castLine + "\n\nWhen Marcus was ten, he ran away. Marcus was twenty minutes late. If Clara was thirty, nobody knew.")
        #expect(reading.facts.filter { $0.predicate == .age }.isEmpty)
    }

    @Test func deathsButNotHedgedOnes() throws {
        let reading = read(castLine + "\n\nMarcus died that night.\n\nClara was dead before morning.\n\nThe wind died away. She feared Marcus was dead.")
        let deaths = reading.facts.filter { $0.predicate == .alive }
        #expect(deaths.map(\.quote.text) == ["Marcus died", "Clara was dead"])
        #expect(deaths.allSatisfy { $0.aspect == .begins && $0.value == .alive(false) && $0.interval.end == nil })
    }

    @Test func possessionsTakenGivenLostAndUsed() throws {
        let reading = read(castLine + "\n\nMarcus took the brass key. Marcus gave the brass key to Clara. Clara lost the old watch. Clara held the brass key up to the light.")
        let facts = reading.facts.filter { $0.predicate == .possession }
        #expect(facts.map(\.aspect) == [.begins, .ends, .begins, .ends, .holds])
        #expect(facts.map(\.value) == [.entity(EntityID("object:brass-key")), .entity(EntityID("object:brass-key")), .entity(EntityID("object:brass-key")), .entity(EntityID("object:old-watch")), .entity(EntityID("object:brass-key"))])
        #expect(facts[2].subject == reading.cast.entity(named: "Clara")?.id)
    }

    @Test func locationsAsStatesAndArrivals() {
        let reading = read(castLine + "\n\nMarcus was in the kitchen. Clara walked to the garden. Marcus arrived at Bath.")
        let places = reading.facts.filter { $0.predicate == .location }
        #expect(places.map(\.value) == [.entity(EntityID("place:kitchen")), .entity(EntityID("place:garden")), .entity(EntityID("place:bath"))])
        #expect(places.map(\.aspect) == [.holds, .begins, .begins])
    }

    @Test func birthplaceAndRelationshipsAndKnowledge() throws {
        let reading = read(castLine + "\n\nMarcus was born in York. Clara was Marcus's sister. Marcus knew that the mill had been sold. Clara told Marcus that the mill had been sold.")
        let marcus = try #require(reading.cast.entity(named: "Marcus Hale")).id
        let clara = try #require(reading.cast.entity(named: "Clara Marsh")).id
        #expect(reading.facts.contains { $0.predicate == .birthplace && $0.value == .entity(EntityID("place:york")) && $0.subject == marcus })
        #expect(reading.facts.contains { $0.predicate == .relationship && $0.subject == clara && $0.value == .kin(.sibling, of: marcus) })
        let knowing = reading.facts.filter { $0.predicate == .knowledge }
        #expect(knowing.map(\.aspect) == [.holds, .holds, .begins])
        #expect(Set(knowing.map(\.value)) == [.topic("mill had been sold")])
    }

    @Test func dialogueStatesNothingButTagsAreDeeds() throws {
        let reading = read(castLine + "\n\n\u{201C}Marcus died last year,\u{201D} said Clara.")
        #expect(reading.facts.filter { $0.predicate == .alive }.isEmpty)
        let tag = try #require(reading.facts.first { $0.origin == .pattern("action.speech-tag") })
        #expect(tag.subject == reading.cast.entity(named: "Clara")?.id && tag.quote.text == "said Clara")
    }

    /// A pronoun is read only when one character could be meant.
    @Test func pronounsNeedOneCandidate() {
        let one = read(castLine + "\n\nMarcus stopped. His blue eyes narrowed.")
        #expect(one.facts.contains { $0.predicate == .eyeColour && $0.subject == one.cast.entity(named: "Marcus")?.id })
        let two = read(castLine + "\n\nMarcus met Edward Crane, and Edward said he was cold. His blue eyes narrowed.")
        #expect(!two.facts.contains { $0.predicate == .eyeColour })
    }

    /// Every quote is the chapter's text at its bytes, in the paragraph `Paragraphs.split` numbers.
    @Test func quotesAreExactAndLocated() {
        let chapter = castLine + "\r\n\r\n  Marcus had grey eyes.\r\nMarcus was 28.\r\n"
        let reading = read(chapter)
        #expect(!reading.facts.isEmpty)
        for fact in reading.facts {
            #expect(FactValidation.validate(fact, in: [ChapterText(number: 1, text: chapter)]) == .success(fact))
        }
        let age = reading.facts.first { $0.predicate == .age }
        #expect(age?.quote.line == 4 && age?.quote.paragraph == 2)
    }

    @Test func validationRejectsUnknownChaptersAndMissingQuotes() throws {
        let chapters = [ChapterText(number: 1, text: castLine + "\n\nMarcus had grey eyes.")]
        let fact = try #require(PatternExtractor().read(chapters).facts.first { $0.predicate == .eyeColour })
        var elsewhere = fact
        elsewhere.quote.chapter = 4
        #expect(FactValidation.validate(elsewhere, in: chapters) == .failure(.unknownChapter(4, chapters: 1)))
        var invented = fact
        invented.quote.text = "Marcus had green eyes"
        #expect(FactValidation.validate(invented, in: chapters) == .failure(.quoteNotFound(quote: "Marcus had green eyes", chapter: 1)))
        var moved = fact
        moved.quote.paragraph = 1
        guard case .failure(.quoteMisplaced) = FactValidation.validate(moved, in: chapters) else {
            Issue.record("a quote in another paragraph than claimed passed")
            return
        }
    }
}
