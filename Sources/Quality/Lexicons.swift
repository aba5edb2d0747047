import Foundation
import WorkbenchCore

/// The word lists the metrics count with: the project's own data, versioned. Any change
/// here changes `Lexicons.fingerprint`, which is stored with every score, so a regression
/// run can tell a lexicon change from a prose change.
///
/// Format: one entry per line, `#` starts a comment; a line `[name]` starts a list.
/// Entries are lowercase; multi-word entries are phrases.
public enum Lexicons {
    public static let version = "lex-2"

    public static let text = #"""
    # Sensory terms: words that name what is seen, heard, smelled, tasted or touched.
    # Chosen to be concrete: "saw" or "felt" alone are perception, not detail.
    [sight]
    amber ashen azure black blazed blazing blue bright brightness brilliant bronze candlelight
    crimson dark darkness dazzling dim dusk emerald flame flicker flickered flickering gilded
    gleam gleamed gleaming glint glinted glitter glittered glow glowed glowing gold golden
    gray green grey grey-green hazy lamplight livid luminous moonlight murky pale pallid pink
    purple radiant red rosy ruddy russet scarlet shadow shadows shadowy shimmer shimmered
    shining silver silvery sparkle sparkled sparkling starlight sunlight sunset twilight
    violet white whiteness yellow blotched dappled dusky glare glaring gloom gloomy misty
    [sound]
    bang bark barked bell bells bellow bellowed buzz buzzed buzzing chime chimed chirp clang
    clatter clattered click clicked crackle crackled crackling crash crashed creak creaked
    creaking croak crunch crunched echo echoed echoing groan groaned growl growled hiss hissed
    hissing hum hummed humming howl howled jangle knock knocked knocking murmur murmured
    murmuring patter rattle rattled rattling roar roared roaring rumble rumbled rumbling rustle
    rustled rustling scream screamed screech shriek shrieked shrill sigh sighed sizzle snap
    snapped splash splashed squeak squeal thud thump thumped thunder tick ticked ticking
    tinkle toll tolled wail wailed whine whistle whistled whisper whispered whispering
    [smell]
    acrid aroma fragrance fragrant incense musk musty odour odor odours perfume perfumed reek
    reeked reeking scent scented smell smelled smells smelt smoke smoky stench stink stank
    woodsmoke mildew pungent lavender lilac
    [taste]
    bitter bitterness bland brine briny salt salty savoury savory sour spiced spicy sweet
    sweetness tang tangy taste tasted tastes honeyed vinegar
    [touch]
    chill chilled chilly clammy coarse cold damp downy feverish freezing frost frosty
    glossy greasy gritty hot icy itchy jagged lukewarm moist numb prickly rough scalding
    sharp silken silky slick slimy slippery smooth soft soggy sticky stiff tepid thorny
    velvet velvety warm warmth wet wool woollen prickled shivered sweat sweating rasp
    [emotion-joy]
    joy joyful delight delighted glad gladness happy happiness elation elated bliss cheerful
    merry rapture exultation pleasure pleased jubilant
    [emotion-sadness]
    sorrow sad sadness grief grieved grieving melancholy despair despairing misery miserable
    mourning mournful wretched heartbroken gloom desolate forlorn anguish
    [emotion-fear]
    fear feared fearful afraid terror terrified dread dreaded dreading horror horrified panic
    anxiety anxious alarm alarmed frightened fright scared uneasy apprehension trembling
    [emotion-anger]
    anger angry rage raged furious fury wrath indignant indignation resentment resented
    irritation irritated vexed vexation incensed bitterness scorn
    [emotion-disgust]
    disgust disgusted loathing loathed revulsion repulsed contempt nausea abhorrence
    [emotion-surprise]
    surprise surprised astonished astonishment amazed amazement startled shock shocked wonder
    [emotion-love]
    love loved loving longing longed yearning yearned tenderness tender adoration desire
    desired passion passionate affection devotion
    [emotion-shame]
    shame ashamed guilt guilty remorse humiliation humiliated embarrassed embarrassment
    mortified regret regretted
    # Bodily signs of feeling.
    [physical]
    blush blushed blushing flush flushed tears tearful wept weep weeping sob sobbed sobbing
    trembled tremble shook shaking shiver shivered gasp gasped pale paled faint fainted
    heartbeat pounding pounded throbbed clenched clenching swallowed stammered flinched
    # Words that open the mind of a character to the reader.
    [interiority]
    felt feel feeling thought wondered remembered recalled knew realized realised imagined
    hoped wished feared longed dreamed dreamt suspected believed doubted understood
    # Stock phrases of tired prose.
    [cliche]
    heart pounded in her chest
    heart pounded in his chest
    a chill ran down her spine
    a chill ran down his spine
    shiver down her spine
    shiver down his spine
    time stood still
    let out a breath she didn't know she was holding
    let out a breath he didn't know he was holding
    breath she didn't know she was holding
    in the nick of time
    at the end of the day
    all hell broke loose
    dead of night
    eyes like saucers
    the calm before the storm
    a sea of faces
    frozen in fear
    deafening silence
    the silence was deafening
    little did she know
    little did he know
    suddenly everything changed
    it was a dark and stormy night
    tears streamed down her face
    tears streamed down his face
    blood ran cold
    her blood ran cold
    his blood ran cold
    without a second thought
    only time will tell
    every fiber of her being
    every fiber of his being
    sent shivers down
    a wave of relief
    butterflies in her stomach
    butterflies in his stomach
    # Narrative voice markers, outside dialogue.
    [first-person]
    i me my mine myself we us our ours ourselves
    [third-person]
    he him his himself she her hers herself they them their theirs themselves
    [past-tense]
    was were had did said went came looked thought felt knew saw seemed took told made turned
    [present-tense]
    is are am has does says goes comes looks thinks feels knows sees seems takes tells makes turns
    # Words that carry no topic: left out when reading an obsession's keywords.
    [stopword]
    a an the and or but of to in on at by for with from into onto upon about above after
    again against all any as be been before being below between both can could did do does
    doing down during each few further had has have having he her here hers him his how i if
    is it its itself just me more most my no nor not now of off once only other our out over
    own same she should so some such than that their them then there these they this those
    through too under until up very was we were what when where which while who whom why will
    would you your
    # Coherence (entity continuity, referring expressions): the words that say who someone
    # is without naming them, and the words too common to carry a thread between sentences.
    [male-pronoun]
    he him his himself
    [female-pronoun]
    she her hers herself
    [male-title]
    mr mr. sir lord master father uncle brother papa king duke monsieur captain colonel major
    [female-title]
    mrs mrs. miss ms ms. lady madam madame mother aunt sister mamma mama queen duchess mademoiselle
    [person-noun]
    man woman girl boy lady gentleman child mother father sister brother wife husband friend
    stranger servant aunt uncle daughter son fellow creature people figure doctor captain
    [opening-pronoun]
    he she it they this his her their its him them these those
    [opening-connective]
    but and yet so then however nor therefore still besides thus hence also
    [cohesion-stopword]
    said say says one mr mrs miss sir lady shall may might must much many little well yet still
    even never ever also every thing things know think see come came go went made make like
    man men time day way though however upon must quite again back yes oh ah
    """#

    /// Each list's entry lines as written (trimmed, comments dropped), parsed once.
    private static let lines: [String: [String]] = {
        var result: [String: [String]] = [:], current = ""
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast())
                continue
            }
            result[current, default: []].append(line)
        }
        return result
    }()

    /// The lists as hashes: name → single-word hashes and multi-word phrases (a `cliche`
    /// line is one phrase; every other list holds words, several to a line).
    public static let lists: [String: (words: Set<UInt64>, phrases: [[UInt64]])] = {
        var result: [String: (words: Set<UInt64>, phrases: [[UInt64]])] = [:]
        for (name, entries) in lines {
            let split = entries.map { $0.split(separator: " ").map { wordHash(String($0)) } }
            result[name] = name == "cliche" ? ([], split) : (Set(split.joined()), [])
        }
        return result
    }()

    public static func words(_ name: String) -> Set<UInt64> { lists[name]?.words ?? [] }

    /// A single-word list's entries as written (lowercase).
    static func entries(_ name: String) -> [String] {
        (lines[name] ?? []).flatMap { $0.split(separator: " ").map(String.init) }
    }

    public static let senses = ["sight", "sound", "smell", "taste", "touch"]
    public static let emotionCategories = ["joy", "sadness", "fear", "anger", "disgust", "surprise", "love", "shame"]

    /// SHA-256 of the lists: recorded with scores so a lexicon change is visible.
    public static let fingerprint = SHA256.hex(of: text)
}
