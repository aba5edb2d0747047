import Testing
@testable import Continuity

/// Each rule on short hand-written chapters: it fires on the contradiction, with both quotes,
/// and stays quiet on the consistent version.
@Suite struct CheckerTests {
    @Test func immutableAttributeChanged() throws {
        let found = violations(castLine + "\n\nMarcus had grey eyes.", castLine + "\n\nMarcus's blue eyes narrowed.")
        let violation = try #require(found.first)
        #expect(found.count == 1 && violation.type == .immutableChanged && violation.severity == .major)
        #expect(violation.established.quote.text == "Marcus had grey eyes" && violation.established.quote.chapter == 1)
        #expect(violation.contradicting.quote.text == "Marcus's blue eyes" && violation.contradicting.quote.chapter == 2)
        #expect(violation.origin == .pattern("eyeColour.had"))
        #expect(violation.suggestedFix.contains("grey"))
        #expect(violations(castLine + "\n\nMarcus had grey eyes.", castLine + "\n\nMarcus's grey eyes narrowed.").isEmpty)
        // Hair may grey with age; brown and hazel eyes are one family.
        #expect(violations(castLine + "\n\nClara had red hair. Marcus had brown eyes.", castLine + "\n\nClara's white hair shone. Marcus's hazel eyes narrowed.").isEmpty)
        #expect(violations(castLine + "\n\nMarcus was born in York.", castLine + "\n\nMarcus was born in Leeds.").map(\.type) == [.immutableChanged])
    }

    @Test func actsAfterDeathReportsTheFirstDeed() throws {
        let found = violations(castLine + "\n\nMarcus died that night.", castLine.replacingOccurrences(of: "Marcus laughed", with: "Clara laughed") + "\n\nMarcus smiled at the fire.")
        let violation = try #require(found.first { $0.type == .actsAfterDeath })
        #expect(violation.established.quote.text == "Marcus died")
        #expect(violation.contradicting.quote.chapter == 2)
        #expect(violation.message.contains("more"))
        #expect(!violations(castLine + "\n\nMarcus smiled at the fire. Marcus died that night.").contains { $0.type == .actsAfterDeath })
    }

    @Test func twoPlacesInOneBeat() throws {
        let found = violations(castLine + "\n\nMarcus was in the kitchen, alone.\n\nMarcus sat in the library with a book.")
        let violation = try #require(found.first)
        #expect(found.map(\.type) == [.twoPlacesAtOnce])
        #expect(violation.established.quote.text == "Marcus was in the kitchen" && violation.contradicting.quote.paragraph == 3)
        // A walk between the two, or time passing, makes it a move.
        #expect(violations(castLine + "\n\nMarcus was in the kitchen. Marcus walked to the library.\n\nMarcus sat in the library with a book.").isEmpty)
        #expect(violations(castLine + "\n\nMarcus was in the kitchen.\n\nAn hour later Marcus sat in the library.").isEmpty)
        #expect(violations(castLine + "\n\nMarcus was in the kitchen garden.\n\nMarcus was in the garden.").isEmpty)
    }

    @Test func possessionWithoutAcquisition() throws {
        let gave = violations(castLine + "\n\nMarcus gave the brass key to Clara.", castLine + "\n\nMarcus turned the brass key in the lock.")
        let violation = try #require(gave.first)
        #expect(gave.map(\.type) == [.possessionWithoutAcquisition])
        #expect(violation.established.quote.text == "Marcus gave the brass key to Clara")
        #expect(violation.contradicting.quote.text == "Marcus turned the brass key")
        #expect(violations(castLine + "\n\nMarcus lost the brass key.", castLine + "\n\nMarcus held the brass key.").map(\.type) == [.possessionWithoutAcquisition])
        // Got back before it is used: no contradiction.
        #expect(violations(castLine + "\n\nMarcus lost the brass key. Marcus found the brass key.", castLine + "\n\nMarcus held the brass key.").isEmpty)
        #expect(violations(castLine + "\n\nMarcus held the brass key.", castLine + "\n\nMarcus turned the brass key.").isEmpty)
    }

    @Test func agesThatDoNotAddUp() throws {
        #expect(violations(castLine + "\n\nMarcus was 28.", castLine + "\n\nMarcus was twenty-four.").map(\.type) == [.ageArithmetic])
        #expect(violations(castLine + "\n\nMarcus was 28.\n\nMarcus was 31 years old.").map(\.type) == [.ageArithmetic])
        #expect(violations(castLine + "\n\nMarcus was 28.", castLine + "\n\nMarcus was 31 years old.").isEmpty)
        #expect(violations(castLine + "\n\nMarcus was 28. Clara was 24.").isEmpty)
    }

    @Test func knowledgeBeforeLearning() throws {
        let found = violations(castLine + "\n\nMarcus knew that the mill had been sold.", castLine + "\n\nClara told Marcus that the mill had been sold.")
        let violation = try #require(found.first)
        #expect(found.map(\.type) == [.knowledgeBeforeLearning])
        #expect(violation.established.quote.chapter == 1 && violation.contradicting.quote.chapter == 2)
        #expect(violations(castLine + "\n\nMarcus learned that the mill had been sold.", castLine + "\n\nMarcus knew that the mill had been sold.").isEmpty)
        #expect(violations(castLine + "\n\nMarcus knew that the mill had been sold.\n\nMarcus did not know that the mill had been sold.").map(\.type) == [.knowledgeBeforeLearning])
    }

    @Test func relationshipContradicted() throws {
        let found = violations(castLine + "\n\nClara was Marcus's sister.", castLine + "\n\nClara, Marcus's wife, came in.")
        #expect(found.map(\.type) == [.relationshipContradicted])
        // The same tie from the other side, and cousins who marry, are no contradiction.
        #expect(violations(castLine + "\n\nClara was Marcus's sister.", castLine + "\n\nMarcus was Clara's brother.").isEmpty)
        #expect(violations(castLine + "\n\nClara was Marcus's cousin.", castLine + "\n\nClara was Marcus's wife.").isEmpty)
        #expect(violations(castLine + "\n\nClara was Marcus's mother.", castLine + "\n\nMarcus was Clara's son.").isEmpty)
    }
}
