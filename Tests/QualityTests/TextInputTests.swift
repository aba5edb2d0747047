import Testing
@testable import Quality

@Suite struct TextInputTests {
    @Test func refusesWhatIsNotProse() throws {
        #expect(throws: TextInput.Failure.empty(source: "a.txt")) { try TextInput.decode(Array("  \n\n ".utf8), source: "a.txt") }
        #expect(throws: TextInput.Failure.binary(source: "b.bin")) { try TextInput.decode([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00], source: "b.bin") }
        #expect(throws: TextInput.Failure.notUTF8(source: "c.txt", offset: 4)) { try TextInput.decode(Array("café".utf8.prefix(3)) + [0x61, 0xE9, 0x20], source: "c.txt") }
        #expect(try TextInput.decode(Array("\u{FEFF}Hello.".utf8), source: "d.txt") == "Hello.")
    }
}
