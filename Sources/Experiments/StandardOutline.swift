import WorkbenchCore

/// The outline A/B tests write from when none is given: six chapters that cover the kinds a
/// prompt change must not break (an opening, a dialogue-heavy scene, action, introspection,
/// a climax and an ending), so a variant is not judged on one kind of chapter alone.
public enum StandardOutline {
    public static func outline(wordsPerChapter words: Int) -> Outline {
        Outline(
            title: "The Keeper's Daughter",
            logline: "A lighthouse keeper's daughter finds a sealed letter from her drowned father and follows it into the storm that took him.",
            obsession: "the sealed letter",
            setting: "A lighthouse on a granite island off a northern fishing town, autumn, 1911.",
            characters: [
                BookCharacter(name: "Mara", attributes: ["age": "19", "hair": "black", "occupation": "assistant keeper"], relationships: ["Elias": "daughter of"]),
                BookCharacter(name: "Tomas", attributes: ["age": "24", "occupation": "ferryman"], relationships: ["Mara": "loves"]),
                BookCharacter(name: "Ines", attributes: ["age": "52", "occupation": "postmistress"], relationships: ["Elias": "sister of"]),
            ],
            chapters: [
                ChapterSpec(number: 1, title: "The Letter", beats: ["Mara trims the lamp at dusk", "a loose stone in the stair hides a sealed letter", "her father's hand on the envelope", "she does not open it"], targetWords: words),
                ChapterSpec(number: 2, title: "The Post Office", beats: ["Mara crosses to town with Tomas", "Ines recognises the seal", "an argument over who the letter belongs to", "Ines tells a lie Mara notices"], targetWords: words),
                ChapterSpec(number: 3, title: "The Crossing", beats: ["a squall catches the ferry", "Tomas fights the tiller", "the letter nearly goes overboard", "they reach the island soaked"], targetWords: words),
                ChapterSpec(number: 4, title: "The Night Watch", beats: ["Mara alone in the lamp room", "memories of her father's silences", "she reads the first line and stops", "dawn over a flat sea"], targetWords: words),
                ChapterSpec(number: 5, title: "The Storm", beats: ["the storm of the year arrives", "the lamp fails", "Mara climbs to relight it with the letter in her coat", "she learns why her father went out that night"], targetWords: words),
                ChapterSpec(number: 6, title: "The Answer", beats: ["morning after the storm", "Mara gives Ines the letter's last page", "Tomas asks her to leave the island", "she stays, and keeps the light"], targetWords: words),
            ])
    }
}
