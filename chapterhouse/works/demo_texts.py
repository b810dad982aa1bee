"""Stories for the demo archive, written for Chapterhouse. Plain text: blank
lines separate paragraphs."""

SALT_AND_SIGNAL = """\
The lamp had been dark for three nights when Ines climbed the tower with a crowbar in one hand and a thermos in the other.

She told herself she was there to fix the mechanism. The mechanism did not need fixing. It needed someone to wind it, and the someone whose job that was had locked himself in the watch room with a radio that only played static.

"Teodor," she said to the door. "The ferry nearly went onto the Teeth last night."

Nothing. Then, very quietly, the sound of a man deciding whether to be a coward for one more hour.

She set the thermos down on the top step. She did not use the crowbar. She had brought it so that she would have something to hold that was not her own temper.

"I know what the letter said," she went on. "I read it before you did. I'm the one who carries the post up the causeway, remember? I know your brother isn't coming back from the mainland, and I know you think the light is a stupid thing to keep burning for a coast that never gave you anything."

The static cut off. The lock turned.

Teodor looked like a man who had been arguing with the sea and losing. There was blood dried on his knuckles where he had punched the iron railing, and he had not slept, and he looked at her as though she were the last ship he had expected to see.

"It's not stupid," he said. "That's the problem. If it were stupid I could stop."

They wound the lamp together. It took eleven minutes, the same as it always had. When the beam swung out over the water, slow and white and certain, the ferry answered it with two short blasts of its horn.

Ines drank the coffee, which had gone cold. Teodor watched the light go round. Neither of them said anything about the blood, or the letter, or the fact that she had walked two miles of causeway in the dark to stand outside his door.

There would be time for that. The light would burn until morning. That was the whole point of a light.
"""

SALT_AND_SIGNAL_ENDNOTES = """\
The title comes from a song I had on repeat while writing this; you'll know it if you know it.

I wrote this from memory between episodes, so there are surely canon slips. I'll fix them after my rewatch.

If there's a glaring error, send me a message (or use the correction button: select the words and suggest a fix)."""

CARTOGRAPHER = [
    (
        "The Blank Edge",
        """\
Every map in Master Orrin's shop had a blank edge, and every apprentice was told never to draw on it.

"The blank edge is honest," Orrin said on Mirela's first morning, tapping the empty margin of a chart of the southern marshes. "It says: here we stopped knowing. Anyone who fills it with sea serpents is a liar, and anyone who fills it with roads is worse."

Mirela was fifteen and had walked out of the marshes herself, three weeks before, with her boots in her hand. She knew exactly what was past the edge of that chart. She said nothing. She swept the floor.""",
    ),
    (
        "Ink and Weather",
        """\
It rained for nine days. Orrin's knees kept him by the stove, so Mirela ground the ink, stretched the vellum and copied coastlines until she could draw the Saltmere shore with her eyes closed.

On the tenth day she drew the road past the blank edge. Just a pencil line, faint as a hair: the causeway, the two willows, the ford that was only a ford in summer.

Orrin found it that evening. He looked at it for a long time.

"Is that true?" he asked.

"Yes," said Mirela.

"Then ink it," he said, "and sign it. A true line carries a name.\"""",
    ),
    (
        "The Surveyor's Chain",
        """\
The surveyors came from the capital in spring, with a brass chain sixty-six feet long and a letter with three seals.

They wanted the marsh road. They wanted it drawn, measured and taxed, and they wanted the girl who had drawn it to walk it with them.

Mirela thought about the blank edge, and about honesty, and about the people who lived past it and had never asked to be found.""",
    ),
]

FIVE_WINTERS = [
    ("The First Winter", "Snow came early to the pass that year, and the inn at the top of it took in a stranger who would not say where she was going.\n\nShe paid in old silver and split wood without being asked. By midwinter the innkeeper's children followed her everywhere."),
    ("The Second Winter", "She came back. Nobody had expected her to, least of all herself.\n\nThis time she stayed until the thaw, and taught the eldest girl to read the weather from the colour of the ice on the well."),
    ("The Third Winter", "The road was closed by avalanche for forty days. They ran out of flour, then candles, then stories.\n\nOn the thirty-first night she told them where she had been going, all those years ago, and why she had stopped."),
    ("The Fourth Winter", "The innkeeper died in the autumn, quietly, in his chair by the fire.\n\nWhen the stranger came up the pass in the first snow, the eldest girl met her at the door with the keys and said, \"You'd better learn the ledgers.\""),
    ("The Fifth Winter", "It is not an inn for strangers anymore. Or rather: it is an inn for strangers, kept by one.\n\nThe sign over the door was repainted in spring. It says, in careful letters, OPEN ALL WINTER."),
]

THAW = """\
The spring after the fifth winter, the pass opened three weeks early, and the first traveller up the road was a surveyor with a brass chain.

He asked the innkeeper whether there was anything worth mapping up here.

She thought about it while she poured his tea. "Only the weather," she said. "And it won't hold still."
"""

LETTERS_RESTRICTED = """\
Dear Anneliese,

You asked me to write only if something happened. Something has happened: the plum tree flowered on the north side first, which it has never done in forty years, and I find I wanted to tell someone who would understand why that matters.

The village thinks I am too old to be sentimental about trees. The village is wrong about most things.

Write back if you like. Or don't. The tree will flower either way.

Your friend,
M.
"""

GARDEN_WITH_SKIN = """\
She kept the garden notebook in pencil, because ink was for things that were finished.

The note that mattered was on the last page. Everything before it was practice.
"""

DRAFT_TEXT = """\
Opening line still wrong. The idea: a bell-ringer who has never once been late, until the morning the bell rings itself.

(Don't post until the ending works.)
"""

SCHEDULED_CHAPTER = """\
The fourth chapter, ready and waiting for its day. Readers will see it when the clock says so.
"""
