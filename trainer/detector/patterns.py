"""What each behaviour sounds like, as patterns over normalized text.

Notation, expanded by `compile_pattern`: `~` is a gap of up to three words and `~~` of
up to six, never across a clause boundary. Patterns with `negatable=False` carry their
own negation ("it is not your fault") and skip the negation check.
See `corpus/behaviours/GUIDELINE.md` for what counts as each behaviour.
"""

import re
from dataclasses import dataclass

from trainer.playbook import Behaviour as B

EMOTION = (
    r"(?:frustrat\w*|upset\w*|angry|anger|annoy\w*|stress\w*|mad|furious|irritat\w*|infuriat\w*"
    r"|maddening|exasperat\w*|disappoint\w*|fed up|awful|terrible|horrible|nightmare|a pain"
    r"|rough|tough|worr\w*|hard on you|unfair|aggravat\w*|overwhelm\w*|panic\w*|scar\w*"
    r"|anxious|painful|not fun|no fun|difficult|hassle|inconvenien\w*|headache|the last thing you need)"
)
UI_VERB = (
    r"(?:click\w*|tap|press|select|open|go (?:in)?to|go over to|navigate to|head (?:over )?to|choose|pick"
    r"|type|enter|scroll|hit|drag|uncheck|untick|tick|clear|refresh|reload|log out|log in|log back"
    r"|sign out|sign in|hover|expand|toggle|switch|paste|copy|right click|find the|look for the"
    r"|check the box|turn on|turn off|disable|enable|upload|download|save|close|restart|delete the|remove the"
    r"|add the|set the|change the|pull up|bring up|jump to|choose|drop down)"
)
STEP_LEAD = (
    r"(?:^|\| |first |firstly |then |next |now |so |okay |alright |right |please |just |and |can you |could you "
    r"|would you |go ahead and |i need you to |i want you to |i would like you to |if you |try to |you will want to "
    r"|you want to |you need to |you can |step one |start by |begin by |want you to |after that |once there )"
)
PRODUCT = (
    r"(?:system|import\w*|sync\w*|data|history|record\w*|permission\w*|duplicat\w*|field\w*|database|server"
    r"|api|browser|cache|security|integration\w*|filter\w*|contact\w*|deal\w*|pipeline|report\w*|invoice\w*"
    r"|account\w*|setting\w*|feature|app|crm|software|platform|page|tool|template\w*|mapping|column\w*"
    r"|calendar|email\w*|export\w*|backup\w*|token\w*|session\w*|user\w*|team\w*|admin\w*|workflow\w*|it)"
)
SWEAR = r"(?:fuck\w*|shit\w*|damn\w*|goddamn\w*|crap\w*|bullshit|bloody|bastard\w*|bitch\w*|piss\w*|asshole\w*|arse\w*|dickhead)"
INSULT = (
    r"(?:stupid|an idiot|idiot|a moron|moron|dumb|clueless|incompetent|pathetic|ridiculous|rude|impossible"
    r"|unreasonable|crazy|insane|childish|annoying|hysterical|a child|deaf|slow|lazy|thick)"
)
TRANSFER = (
    r"(?:transfer\w*|put you through|connect you|pass you|hand you|forward you|escalat\w*|put you on with"
    r"|get (?:my|a|the|your) (?:manager|supervisor|team lead|lead|boss|colleague|someone)|bring in|loop in"
    r"|grab (?:my|a) (?:manager|supervisor)|send you (?:over|up) to)"
)
PAST_ACTION = (
    r"(?:(?!asked|called|mentioned|explained|tried|noticed|checked|followed|reported|waited|described|contacted|emailed"
    r"|needed|wanted|started|expected|requested|used|said|logged|figured|managed|worked|fixed|solved|found)\w+ed|did|made|left|put|set|chose|choose|picked|built|broke|deleted|delete|let|forgot|overwrote|gave|took|ran|sent"
    r"|turned|wrote|ticked|typed|uploaded|imported|archived|connected|dragged|revoked|reset|told|hit|cut|switched|saved|made)"
)
HANDOFF = (
    r"(?:transfer\w*|put you through|connect you|pass you|passing you|hand you|hand off|hand-off|handoff|forward you|escalat\w*"
    r"|manager\w*|supervisor\w*|boss|team lead|tier (?:two|2)|senior|another agent|someone else|somebody else|my colleague"
    r"|anyone in charge|billing|the other team|another team|they|she|he)"
)
TRANSFER_COST = (
    r"(?:repeat\w*|retell\w*|re tell\w*|start\w* (?:over|again|from)|explain\w* (?:it|everything|this|the whole|all)"
    r"|tell\w* (?:\w+ ){0,2}(?:story|again|over|everything)|telling it all|tell it all|go\w* through (?:\w+ ){0,3}(?:again|story)"
    r"|(?:the )?same (?:thing|things|information|info|knowledge|answer|tools|access|system|screens?|questions|logs|stuff|invoice|account|as me|like me)"
    r"|know\w* (?:the same|nothing|what i know|exactly)|sees? exactly|longer|wait\w*|delay\w*|slow\w*|queue|from scratch|from zero"
    r"|square one|all over|lose time|on hold|another day|brief (?:her|him|them)|hand off|start from)"
)
CONTACT = (
    r"(?:email\w*|e mail|message|messaging|text|texting|ping|call|calling|ring|update|notify|let you know|get back to|reach out"
    r"|send\w*|drop|write|contact|phone|give you a (?:call|ring|shout|buzz)|get you an? (?:email|message|update)|copy you)"
)
ABUSE = (
    r"(?:rudeness|hostility|swear\w*|curs\w*|yell\w*|shout\w*|scream\w*|language|insult\w*|attack\w*|name calling|call\w* me names"
    r"|call\w* me (?:an? )?\w+|talk\w* to me like|speak\w* to me like|spoken to like|abus\w*|disrespect\w*|treat\w* me|personal\w*)"
)


@dataclass(frozen=True)
class Pattern:
    behaviour: B
    regex: re.Pattern[str]
    negatable: bool = True


# A gap never swallows a negator: "i will not transfer you" is no "i will ~ transfer".
_GAP = r"(?:(?!(?:not|never|no|nothing|without) )[\w']+ )"


def compile_pattern(source: str) -> re.Pattern[str]:
    body = source.replace(" ~~ ", f" {_GAP}{{0,6}}").replace(" ~ ", f" {_GAP}{{0,3}}")
    return re.compile(r"(?<![\w'])(?:" + body + r")(?![\w'])")


_SOURCES: dict[B, list[str | tuple[str, bool]]] = {
    B.acknowledges_feelings: [
        r"(?:hear|see|tell|imagine|understand\w*|get|know|appreciate|sense|recogni[sz]e|feel|realize|realise)\w* ~~ "
        + EMOTION,
        r"(?<!whether )(?<!if )(?:you|you are|you sound|you seem|you must be|you must feel|you feel|you have been|you were|you would be) ~ "
        + EMOTION,
        r"(?:this|that|it) (?:is|was|has been|must be|sounds|must have been|would be|seems|can be) ~ " + EMOTION,
        r"(?:sounds|must be|must feel) (?:so |really |very |incredibly |super )?" + EMOTION,
        r"(?:so|really|very|terribly|truly|deeply|extremely|genuinely|awfully|incredibly)? ?sorry (?:that|you|for|about|to hear|this|it|to put you|we)",
        r"(?:my|our) (?:sincere |deepest )?apolog\w*",
        r"i apologi[sz]e",
        r"i would (?:be|feel) ~ (?:the same|upset|angry|frustrated|mad|annoyed|furious|livid|fuming)",
        r"(?:anyone|anybody|everyone|i|we) would (?:be|feel) (?:upset|angry|frustrated|mad|annoyed|the same)",
        r"(?:i|we) (?:totally|completely|really|fully) get (?:it|that|why)",
        r"(?:drive|drives|driving|make|makes) (?:me|anyone|you|everyone) (?:crazy|nuts|mad|up the wall|insane)",
        r"(?:wearing on you|discouraging|draining|exhausting|so much stress)",
        r"i am (?:so |really |genuinely |truly |very |terribly )?sorry(?: \||$)",
        r"(?:fed up|tired of this|frustrated|annoyed|upset|angry|mad) too",
        r"every reason to be",
        r"(?:sounds|sound|seems) like (?:a |an )?(?:disaster|nightmare|mess|real pain|awful)",
        r"(?:is|so|really) (?:very |really |super |so )?frustrating",
        r"(?:that|it|this) would (?:drive|make|annoy|frustrate|upset) (?:me|anyone)",
        r"right to be (?:upset|angry|frustrated|annoyed|mad|furious)",
        r"your (?:frustration|anger|concern\w*|annoyance|feelings|stress|worry|disappointment) (?:is|are|makes) ~ (?:understandable|valid|fair|justified|reasonable|real|sense|natural|normal)",
        r"(?:completely|totally|perfectly|entirely|very|so) (?:understandable|valid|justified)(?! thing| question| point| way)",
        r"(?:that|it|this) is (?:understandable|valid)",
        r"every right to be",
        r"i hear you",
        r"i feel (?:you|your)",
        r"(?:i am|we are) with you",
        r"(?:that|this) (?:is|sounds|must be) (?:not fun|really bad)",
    ],
    B.validates_competence: [
        (r"(?:is|was|its) (?:not|nothing to do with) (?:your|you) (?:fault|mistake|error|doing)", False),
        (r"you did (?:nothing|not do anything) wrong", False),
        (r"(?:not|nothing) (?:that )?you did", False),
        (
            r"(?:no|not) (?:one|body|anybody|anyone) (?:could|would) (?:have )?(?:know|guess|find|figure|spot|see)\w*",
            False,
        ),
        r"you (?:did|have done|are doing|did it|were doing|handled it|got it) ~ (?:everything |exactly |all )?(?:right|correct\w*|the right thing|perfectly|fine|well)",
        r"(?:trips|catches|confuses|throws|trip|catch|confuse|throw) (?:up |out )?(?:a lot of|lots of|many|most|plenty of|loads of|so many|all sorts of|a ton of|even|everyone|everybody|our own|half)",
        r"(?:a lot of|lots of|many|most|plenty of|loads of|so many|tons of|other|our other|half of our|even experienced) (?:people|customers|users|folks|clients|admins|teams) ~ (?:get stuck|get lost|get confused|get caught|find|struggle|miss|ask|hit|run into|make|trip)",
        r"you are (?:clearly |obviously |definitely |absolutely |really |very |totally )?(?:smart|capable|right(?! to be)|experienced|savvy|sharp|good at|an expert|on the right track|not alone|spot on|correct)",
        r"you (?:clearly|obviously|definitely|really) (?:know|understand|get)",
        r"you know (?:what you are doing|your way|your stuff|the system|this)",
        r"(?:good|great|fair|excellent|smart|reasonable|valid|brilliant|totally fair|really good) (?:question|point|catch|call|instinct|thinking|spot|observation|idea)",
        r"(?:you|your instinct|your thinking|your logic) (?:was|were|is) (?:right|correct|spot on|sound)",
        r"makes (?:total |complete |perfect )?sense (?:that|why|to) (?:you|try|do)",
        r"(?:easy|common|natural|understandable|normal) (?:mistake|to miss|to get|thing to|to overlook|to confuse|to think)",
        r"(?:not|is not) (?:very |really |at all |exactly )?(?:obvious|intuitive|clear|well labell?ed|easy to find)",
        r"(?:that|this|it) is on (?:us|our side|the design)",
        r"(?:is|it is|that is|this is) not (?:on )?you(?: \||$| it| this| that| at all)",
        r"not (?:on you|something you (?:did|caused|could)|your doing)",
        r"nothing you (?:clicked|did|could have|changed) (?:could|would|caused)",
        r"(?:exactly|the) right (?:question|thing|call|move|way|instinct|place)",
        r"(?:was|were|is) (?:exactly|absolutely|totally|completely|perfectly)? ?(?:right|correct|reasonable|sensible|smart)(?! now| away| here| there)",
        r"you could not have known",
        r"(?:smart|good|sensible|clever|great|logical) (?:way|move|idea|thing|first step|approach|instinct)",
        r"more than most",
        r"(?:not|definitely not) the only one",
        r"(?:in good company|common question|happens to (?:everyone|the best))",
        r"you (?:set|did|have set|configured) (?:it |this |everything )?(?:up )?(?:correctly|right|properly)",
        r"(?:it is|is|that is) (?:well )?(?:hidden|confusing|tricky|buried)",
        r"known (?:issue|bug|problem)",
        r"exactly what (?:the|i|we|our) (?:\w+ )?(?:guide|docs|would|says|recommend)",
        r"you are not (?:an? )?(?:idiot|stupid|dumb|slow|doing anything wrong|crazy)",
        r"(?:none|nothing) of (?:this|it) (?:is|was) your fault",
        r"you (?:already )?(?:covered|got|did) (?:the basics|most of it|everything right)",
        r"(?:our|my) (?:fault|mistake|bad|error)",
        r"(?:the|this|that|our) (?:screen|menu|page|setting|feature|design|layout|option|button|wording|label|interface|import|tool) (?:is|can be) (?:really |genuinely |honestly |super |a bit |quite |pretty )?(?:confusing|hidden|tricky|badly|buried|unclear|misleading|poorly)",
        r"(?:anyone|anybody|everybody|everyone) (?:would (?!be |feel )|could|can|gets|does|makes)",
        r"(?:you|you are) not the (?:only|first)",
        r"(?:thank you|thanks) for (?:checking|trying|doing|explaining|walking|being so)",
    ],
    B.takes_ownership: [
        r"i (?:will|am going to|am|shall|can|promise to|am gonna) (?:personally |definitely |absolutely |make sure to |now )?(?:fix|sort|solve|handle|take care|look into|get (?:this|it|that|you|your|to the bottom|these|them)|resolve|stay|work|make sure|own|deal|dig|figure|follow this|see this|take this|take ownership|get on|chase|restore|recover|bring back|track|find out|investigate|check|go through|take it from here|take over|get back)",
        r"let us (?:get|fix|sort|figure|solve|work|take care|tackle|get to the bottom|find|go through|dig|restore)",
        r"(?:together|we will|we are going to|we can|we will get) ~ (?:fix|sort|solve|get (?!to it|anywhere)|figure|restore|find|work)",
        r"i (?:have got|got|have) (?:this|you|it) (?:covered)?",
        r"leave (?:it|this) (?:with|to) me",
        r"(?:with|by) you (?:until|till|til|the whole way)",
        (
            r"(?:i am|i will) not (?:going to )?(?:pass\w*|hand\w*|bounc\w*|leav\w*|drop\w*|abandon\w*) (?:you|this|anywhere)",
            False,
        ),
        r"you (?:have|got) my word",
        r"i (?:promise|guarantee) (?:i will|to|we will|you|it will)",
        r"i (?:take|will take|am taking) (?:full |complete )?(?:responsibility|ownership|care|charge)",
        r"i (?:will|am going to) see (?:this|it) through",
        r"i am (?:the right|your) person",
        r"(?:i|we) can (?:definitely |absolutely |totally |easily )?(?:fix|sort|solve|handle|resolve|restore|recover|get (?:this|it|that|you))",
        r"dontworry ~ (?:i|we) (?:will|can|have|got|are)",
        r"i (?:will|am going to|am) (?:stay\w*|be|remain\w*) (?:with you|on (?:this|it|the line))",
        r"i (?:will |am going to |would rather |would like to |am here to |am going to |start |can |will just |am just going to )?(?:personally |just |also |quickly |myself )?(?:fix\w*|solv\w*|correct\w*|sort\w*|unlock\w*|restor\w*|handl\w*|resolv\w*|repair\w*|push\w*|chas\w*|tak\w* this on|keep working)",
        r"i will (?:get|bring) (?:\w+ ){0,3}(?:working|back|fixed|sorted|restored|running|done|in|through|out)",
        r"(?:handled|owned|fixed|sorted) by me",
        r"(?:i am personally |personally )on it",
        r"(?:the person|the one) who (?:is going to|will) (?:solve|fix|sort)",
        r"(?:i|we) (?:will |can |are going to )?(?:fix|solve|sort) (?:\w+ ){0,3}(?:with you|together)",
        r"(?:my|mine) (?:responsibility|problem now)",
        r"i am (?:working|looking|checking|digging) (?:on|at|into) (?:it|this|that|your)",
        r"i (?:will|am going to|can) (?:help you|get you) (?:fix|get|sort|with|through|back)",
    ],
    B.acknowledges_urgency: [
        r"(?:every|each) (?:single )?(?:minute|hour|second|day|moment) ~ (?:cost\w*|count\w*|matter\w*|los\w*|lose|down|money|hurt\w*|without)",
        r"(?:costing|cost|costs|losing|lose|lost|hurting|affecting) (?:you|your business|your team|your company) ~ (?:money|sales|business|deals|revenue|time|customers|income|clients)?",
        r"(?:top|highest|number one|first|main|biggest|absolute|urgent|high) priority",
        r"(?:treat|treating|mark\w*|flag\w*|handle|handling|log\w*|raise\w*) (?:this|it) (?:as )?(?:an? )?(?:urgent|critical|priority|p1|high priority|emergency)",
        r"(?:on it|working on|fixing|digging|starting|jumping|moving|getting on it|on this|right on) ~ (?:right now|right away|immediately|straight away|this minute|this second|as we speak)",
        r"(?:most|very|really) urgent (?:thing|issue|ticket|case|one)",
        r"(?:front|top) of my (?:list|queue|pile|priorities)",
        r"prioriti[sz]\w*",
        r"(?:move|moving|go|going|work|working) (?:very |really |super )?(?:fast|quickly|quick)",
        r"(?:no|not a|do not have a) (?:time|minute|second) to (?:waste|lose|spare)",
        r"(?:lose|lost|losing|lose out on) (?:\w+ )?(?:money|customers|clients|sales|deals|revenue|business)",
        r"(?:both hands|one handed|one hand on)",
        r"on the clock",
        r"riding on (?:this|it)",
        r"urgent attention",
        r"(?:every|each) (?:\w+ )?(?:minute|hour|second) (?:matters|counts|is money)",
        r"(?:is|are) (?:money|lost money)",
        r"(?:as )?(?:fast|quickly|quick|soon|rapidly|swiftly) as (?:possible|i can|we can|humanly)",
        r"\basap\b",
        r"(?:this|it) is (?:very |really |extremely |clearly |absolutely )?(?:urgent|critical|time sensitive|an emergency|serious|business critical)",
        r"(?:know|understand|realize|realise|appreciate|aware) ~~ (?:money|deadline|quarter|livelihood|costing|losing|revenue|urgent|critical|time sensitive|holding up|every minute)",
        r"no time to (?:lose|waste)",
        r"(?:before|by) (?:your|the) (?:deadline|end of (?:the )?(?:day|quarter|month)|meeting|launch|close)",
        r"(?:can not|can not afford to|should not) (?:wait|afford)",
        r"(?:straight|right) (?:away|now) ~ (?:fix|look|check|get|start)",
        r"(?:quick|fast|fastest|quickest) (?:fix|way|route|solution|path)",
    ],
    B.asks_what_they_see: [
        r"what (?:do|can|did) you (?:see|have|get|read|notice)",
        r"what (?:does|is|did) (?:it|the|that|your|this) ~ (?:say|show|read|display|look like|saying|showing)",
        r"what (?:is|does|do you see) (?:on|in|at) (?:your|the) (?:screen|page|window|bar|top|corner|left|right|bottom|display|monitor|tab)",
        r"(?:can|could|would) you (?:read|tell|describe|check|look) ~~ (?:what|where) ~ (?:see|says|shows|screen|page|it says|displayed|appears|showing)",
        r"(?:read|tell|describe) (?:me|out) ~ (?:what|exactly what|the) ~ (?:says|see|screen|message|error|wording|text|label)",
        r"what (?:error|message|warning|popup|pop up|notification|text|wording|label|colou?r|icon|number) ~~ (?:see|get|show|appear|say|display|showing|pop)",
        r"(?:is|do you see|can you see|are you seeing) (?:there )?(?:a|an|any) (?:button|tab|banner|message|error|icon|link|menu|bar|field|box|warning|red|green|notification|popup|option|list|column)",
        r"(?:url|address) bar",
        r"(?:where|which page|what page|what screen|which screen|which tab|what tab) (?:are you|do you see|is (?:it|that))",
        r"walk me through what ~ (?:see|screen|on)",
        r"(?:what are you|are you) (?:seeing|looking at)",
        r"(?:tell|show) me (?:exactly )?what (?:you are|is on|shows)",
        r"what (?:shows|appears|comes up|pops up|happens on (?:the|your) screen)",
        r"(?:can|could) you see (?:the|a|any|your)",
        r"(?:look|looking) (?:at )?(?:the )?(?:top|bottom|left|right|corner) ~ (?:what|do you|can you|is there)",
    ],
    B.gives_step_by_step: [
        STEP_LEAD + UI_VERB,
        r"(?:step one|first step|the first thing|the next step|the next thing) ~ (?:is|to do|you|will be|would be)",
        r"(?:click|tap|press) (?:on )?(?:the|that|it|this|save|settings|import|export|next|ok|okay|submit|yes)",
        r"(?:go|head|navigate|come) (?:in)?to (?:the |your )?(?:settings|contacts|pipeline|deals|reports|admin|import|integrations|preferences|profile|account|menu|tab|dashboard|page|gear|top|left|right)",
        r"tell me when you are (?:there|done|ready|in)",
        r"(?:let me know|tell me) (?:when|once) (?:you are|you have|you see|that is|it is)",
    ],
    B.offers_screen_share: [
        r"screen ?shar\w*",
        r"share (?:my|your|the|a) screen",
        r"shar\w* (?:of )?(?:my|your|the) screens?",
        r"remote (?:session|desktop|access|control|support|in)",
        r"(?:show|watch) (?:you|me|it) ~ (?:on|over|via) (?:my|your|a|the) (?:screen|zoom|teams|meet|call|video)",
        r"(?:join|hop on|jump on|start|set up|open) ~ (?:zoom|teams|meet|video call|video session|webex|link)",
        r"(?:send|share|email) (?:you )?(?:a|the) (?:link|invite|invitation) ~~ (?:screen|watch|follow|see|show|join)",
        r"(?:see|view|watch) (?:my|your) screen",
        r"(?:follow|watch) (?:along|what i do|me do)",
    ],
    B.explains_why: [
        r"(?:we|they) (?:do|built|designed|set|made|did|built it|designed it|set it up) ~ (?:this|that|it) ~ (?:way|like this|like that) ~ (?:because|so|since|to)",
        r"(?:it|this|that) (?:works|is built|is designed|was designed|is set up|behaves|is like that|happens|was built|is made) (?:this|that|like this|like that|that way|this way)? ?(?:way )?(?:because|so that|so|since|to (?:keep|protect|prevent|make|avoid|stop|ensure|save))",
        r"(?:the|our|your) "
        + PRODUCT
        + r" ~~ (?:because|so that|in order to|to (?:keep|protect|prevent|make sure|avoid|stop|ensure|save|check|match))",
        r"(?:because|since|so that|in order to) ~ (?:the|our|your|it|each|every|two|a|an) ~ " + PRODUCT,
        r"the reason (?:is|why|for|being|it|that|we)",
        r"(?:which|that|this) is (?:why|the reason)",
        r"(?:that|this) (?:is how|way) (?:it|the system) (?:keeps|protects|makes|stops|prevents)",
        r"(?:it|this|that) (?:protects?|prevents?|keeps?|ensures?|stops?|avoids?|guarantees?|saves?|locks?) (?:your|the|you|anyone|two|duplicate|other) ~ (?:data|history|records?|contacts?|deals?|account|information|people|from|changes|intact|safe|duplicat\w*|overwrit\w*|losing|clean)",
        r"by design",
        r"(?:on|with) purpose",
        r"(?:is|are|was) (?:intentional|deliberate|designed|meant|there) (?:to|so|because)",
        r"(?:designed|meant|intended|built|there) (?:to|so that|so) (?:keep|protect|prevent|make|stop|avoid|ensure|save|check|match|catch|you|it|the|your)",
        r"(?:the idea|the point|the logic|the thinking|the purpose|what it does) (?:is|behind)",
        r"(?:that|this) way (?:you|your|the|it|nothing|no one)",
        r"(?:happens|works like that|does that|does this) because",
        r"(?:explain|tell you) why",
        r"(?:\w+s|is|are|was|were) (?:(?!share |screen |let |i |can you |could you |please )[\w']+ ){0,6}so (?:that )?(?:it |they |the |your |nobody |nothing |no one |two |one |each |every |if |whatever |heavy |old |new |re |you (?:do not|will not|can not|never|get|end up|always|can undo|can get|can see all|keep|have time))",
        r"the reason (?:they|it|you|he|she|this|that)",
        r"reason is",
        r"(?:which|that) is how (?:it|we|the)",
        r"that way (?:two|nobody|no one|you|your|the|it|every|each|nothing)",
        r"otherwise (?:the|it|you|your|we|nobody|two)",
        r"(?:is|are|get|gets) (?:tied|linked|ordered|sorted|saved|stored|matched|processed|handed out|calculated|based|built) (?:to|by|in|on|from|when|per|against)",
        r"(?:gives|give) you time to",
        r"(?:only|always) (?:run|runs|counts?|attach\w*|sync\w*|match\w*|work\w*|show\w*|send\w*) (?:\w+ ){0,4}(?:when|if|after|on|once|from)",
        r"(?:is|it is) a (?:safety|security) (?:gap|net|feature|measure|setting|check)",
        r"(?:because|cause) (?!i |you |it is delayed|it is a big|this is not|this is|they know|it is urgent|it is important|yelling|everyone else|your fault|of you|of your|i said|we are busy|it is my|that is my|that is the policy|the policy|it is policy)(?:\w+ ){2,}",
        r"(?:only|always|never|automatically|just) (?:\w+ ){0,2}(?:\w+s) (?:\w+ ){0,8}so (?:that |it |they |nobody |nothing |no one |two |the |your |heavy |we |re |each |every |old |new )",
        r"(?:is|are|was) (?:\w+ ){0,2}(?:so|to) (?:that )?(?:two|nobody|no one|nothing|heavy|the system|each|every|you do not|it does not|they do not|we do not|be sure|make sure|keep|protect|prevent|stop|avoid)",
        r"(?:keeps?|protects?|prevents?|stops?|avoids?) ~ (?:from|one bad|duplicates?|overwrit\w*|losing|history|fast|clean|accurate|safe|intact|in sync)",
        r"(?:for|it is for) (?:the )?(?:audit|security|compliance|privacy|data protection|your protection|safety)",
        r"(?:that is|this is|it is) (?:so|how) (?:that )?(?:\w+ ){0,3}(?:do not|does not|can not|will not|is not|stays?|keeps?)",
        r"(?:which|that) means (?:that )?(?:the|your|it|when|every|each|any)",
        r"(?:that is|this is|it is) what (?:happened|happens|causes|caused)",
        r"(?:follow|follows|tied to|linked to|based on|depends on|comes from|come from|lives on|live on|attaches|attach) ~~ (?:so|because|rather than|instead of|which|that is why)",
        r"(?:the|a) (?:snapshot|cache|limit|cap|rule|lock|default|delay|timeout) ~~ (?:so|because|to keep|to protect|to prevent|to stop)",
    ],
    B.sets_boundary: [
        (
            ABUSE
            + r" ~~ (?:get\w* in the way|not (?:okay|ok|acceptable|helping|going to help|fair|appropriate|on)|does not help|will not help|make\w* (?:it|this) harder|slow\w* (?:us|this|it) down|stop\w*|the line|can not help|unacceptable|need to stop|has to stop|crosses)",
            False,
        ),
        (
            r"(?:i can not|i will not|i am not able to|i can not keep|i am unable to|i will not be able to|hard for me to|difficult for me to|i can not really) ~~ (?:help|continue|work|assist|keep going|focus) ~~ (?:if|while|when|unless|with) ~~ (?:swear\w*|curs\w*|yell\w*|shout\w*|attack\w*|insult\w*|call\w* me|talk\w*|speak\w*|treat\w*|abus\w*|disrespect\w*|language|names)",
            False,
        ),
        (r"(?:where|when) i (?:have to |need to |must )?draw (?:the|a) line", False),
        (r"draw (?:the|a) line", False),
        (
            r"please (?:do not|stop|refrain|avoid|no) ~ (?:swear\w*|curs\w*|yell\w*|shout\w*|insult\w*|call\w* me|attack\w*|talk\w* to me|speak\w* to me|language|personal|names|abus\w*)",
            False,
        ),
        (
            r"(?:i will not|i do not|i can not|i am not going to|i am not) (?:accept|tolerate|allow|stand for|engage with|be spoken to|be talked to|be called|be treated)",
            False,
        ),
        (
            r"no (?:more )?(?:insults|personal attacks?|swearing|name calling|cursing|abuse|shouting at me|yelling at me)",
            False,
        ),
        (r"(?:that is|this is|that is where|here is) my (?:limit|line|boundary)", False),
        (r"(?:stop you (?:right )?there|i have asked you (?:to stop|not to|twice|already))", False),
        (r"i (?:want|would like|am trying|need) to (?:keep )?help\w* ~~ (?:\| )?(?:but|and) ~~ " + ABUSE, False),
        (r"(?:not|no) (?:okay|ok|acceptable|alright) with me", False),
        (
            r"(?:let us|can we|could we|i need us to|i need you to|i ask you to|i would ask you to|please) (?:keep|stay|remain|be) ~ (?:respectful|civil|calm|polite|professional|kind)",
            False,
        ),
        (
            r"i (?:need|ask|must ask|have to ask|would ask|am asking) you (?:to )?(?:stop|not|please stop|refrain|avoid) ~ (?:swear\w*|curs\w*|yell\w*|shout\w*|attack\w*|insult\w*|call\w* me|language|personal|talk\w*|speak\w*)",
            False,
        ),
        (r"i (?:am|want) (?:here )?to help ~~ (?:\| )?(?:but|and|if|so) ~~ (?:\| )?(?:[\w']+ ){0,4}" + ABUSE, False),
        (r"(?:respectful\w*|with respect|respect each other|treat me with respect|mutual respect)", False),
        (
            r"(?:not|no) (?:okay|ok|acceptable|appropriate|going to work) (?:to|for you to) (?:swear|curse|yell|shout|attack|insult|call|talk|speak)",
            False,
        ),
    ],
    B.offers_callback: [
        r"(?:i will|i can|let me|how about i|i|we|or i) (?:\w+ )?(?:call|ring|phone) you (?:back )?(?:in |after |tomorrow|later|this |at |on |next |when you)",
        r"(?:call\w*|phon\w*|ring\w*) me (?:back |again )?(?:\w+ ){0,4}(?:whenever|when|once|after)",
        r"(?:let us|we should|we have to|we need to|why do not we|maybe we|it is better we|if we) (?:\w+ )?(?:pause|stop|hang up|end|take a break|break)",
        r"(?:call|ring|phone|reach|contact) (?:me|us|back|in)? ?(?:back )?(?:when|once|later|after|if|whenever|tomorrow|at) ~ (?:ready|better|calmer|time|moment|break|convenient|cooled|feel|works|suits|good|prefer|want|calm)",
        r"(?:i can|i could|i will|let me|shall i|should i|can i|how about i|i would be happy to|happy to|i am happy to|or i|we can|we could) (?:call|ring|phone|give you a call|give you a ring|try you|reach out|contact) (?:you )?(?:back )?(?:later|tomorrow|this afternoon|this evening|in (?:an|a|a few|half|one|two|\d+|twenty|thirty|fifteen|ten|five) (?:hour|minutes|min|mins|hours)|at a better|at \w+|when you|after you|once you|in a bit|another time)",
        r"(?:end|pause|stop|finish|wrap up|close) (?:the|this|our) (?:call|conversation|chat) ~~ (?:call|ring|back|later|resume|pick (?:this|it) up|continue|try again)",
        r"(?:pick|continue|resume|carry on|finish) (?:this|it|the conversation|the call|where we left off) (?:up |on )?(?:later|tomorrow|when|once|after|another|in)",
        r"(?:take|have) (?:a|some) (?:break|breather|minute|moment|time|pause) ~~ (?:call|ring|come back|we can|talk|continue|reach|pick)",
        r"(?:come|get) back to (?:me|us) (?:when|once|whenever) you (?:are|feel|have)",
        r"(?:when|once|whenever) you (?:are|feel) (?:ready|calmer|up to it|better) ~~ (?:call|talk|continue|ring|reach|come back|we can|i will)",
        r"(?:reconnect|reschedule|talk again|speak again|try again) (?:later|tomorrow|when|in|another|at)",
        r"(?:better|another|a different|a good) time (?:to talk|for you|to call|to continue|to speak)",
    ],
    B.follows_up_async: [
        r"(?:i|we) (?:will|am going to|can|shall|promise to|am|will be|would) (?:\w+ ){0,6}"
        + CONTACT
        + r" (?:\w+ ){0,8}(?:when (?!you are|you feel|you have)|once (?!you are|you feel|you have)|as soon as|the moment|the minute|the second|the instant|soon as|with the fix|with an update|right away|the exact moment)",
        r"(?:let me|i) (?:\w+ ){0,2}"
        + CONTACT
        + r" (?:\w+ ){0,8}(?:when|once|as soon as|the moment|the minute|the second|the instant)",
        r"(?:when|once|as soon as|the moment) (?!you are|you feel|you have)(?:[\w']+ |\| ){1,10}(?:i will|i am going to|i am|i) (?:\w+ )?"
        + CONTACT,
        r"(?:you do not|no need|you will not|you do not even) (?:\w+ )?(?:to )?(?:hold|wait on|stay on|watch it|sit here|sit on|keep calling|have to call|have to hold)",
        r"you can (?:hang up|leave the line|go|get back to|carry on|drop off)",
        r"(?:i will|i am going to|i can|let me|we will|i shall|i promise to|i will personally|i will make sure to|i will be sure to|i will be|i am) (?:email|e mail|message|text|ping|call|ring|update|notify|let you know|get back to|reach out|send|drop|write|contact|phone|emailing|messaging|texting|sending|updating) ~~ (?:when|once|as soon as|the moment|the minute|the second|soon as|after|the instant|whenever|if|with|by) ~~ (?:fix\w*|done|resolv\w*|back|working|sorted|ready|running|up|live|restor\w*|complete|finish\w*|know|have|update|news|progress|results?|sync\w*|found|status)",
        r"(?:you do not need|no need|you do not have|there is no need|you need not|do not need) (?:for you )?to (?:stay|hold|wait|remain|keep holding|sit) (?:on|there|around|on the line|on hold)?",
        r"(?:i will|i am going to|we will) (?:keep|have) you (?:updated|posted|informed|in the loop)",
        r"(?:keep|send|give) you (?:an? )?(?:update\w*|posted|informed|in the loop)",
        r"(?:hang up|go back to work|get on with your day|get back to your|carry on with your|free up your|go about your) ~~ (?:i will|i am going to|and i) ~ (?:email|call|message|let you know|text|ping|update)",
        r"(?:email|message|text|note|update|confirmation) (?:from me|to you) ~ (?:when|once|as soon as|the moment)",
        r"(?:hear|expect|get) (?:back )?(?:from me|an email|a message|an update|a call) ~ (?:when|once|as soon as|the moment|within|by|today|tonight|this)",
        r"(?:in your inbox|in your email) ~ (?:when|once|as soon as|the moment|within)",
    ],
    B.explains_transfer_cost: [
        HANDOFF + r" (?:\w+ ){0,10}" + TRANSFER_COST,
        r"(?:you would|you will|you might|you would have to|you will have to|you have to|you need to|you would need to|you must|you would be|you will be|you will end up|you would end up) (?:have to |need to |be )?(?:repeat\w*|retell\w*|re explain\w*|explain\w*|tell\w*|go\w* (?:over|through)|start\w*|wait\w*|walk\w* through) ~~ (?:again|over|from the start|story|from scratch|beginning|everything|queue|longer|hold|same)",
        r"(?:they|she|he|my manager|my supervisor|the manager|the supervisor|my boss|my lead|my colleague|anyone else|someone else|the next person|anyone in charge|a senior agent|another agent) (?:\w+ ){0,4}(?:know\w*|can do|has|have|would tell|will tell|tell you|sees|see|check|ask) (?:\w+ )?(?:the same|nothing (?:more|extra|i do not|different)|exactly what i|no more than|what i know|the exact same|what i am telling)",
        r"(?:same|identical|exact same) (?:access|tools|authority|knowledge|training|information|screens?|systems?|permissions)",
        r"(?:would|will|only|just) (?:only |just )?(?:slow|delay|set) (?:you|this|things|it|us)? ?(?:down|back)",
        r"(?:take|takes|taking) (?:even )?longer",
        r"(?:nothing|no one|nobody) (?:there |above me )?(?:who )?(?:can|could|knows) (?:do|fix|more)",
        r"(?:know|knows) (?:exactly )?what i (?:know|see|do)",
        r"(?:know|knows) nothing i do not",
        r"sees? exactly what i",
    ],
    B.offers_transfer: [
        r"(?:let me|i will|i can|i could|i am going to|shall i|should i|i would be happy to|happy to|i am happy to|want me to|do you want me to|would you like me to|i will go ahead and|i can go ahead and|allow me to|i will just|let me just|i am gonna|i will get|i will see if|i can see if|i could see if|i will try to|i am|okay i will|sure i will|i will now) ~ "
        + TRANSFER,
        r"(?:transferring|connecting|putting|passing) you (?:now|through|over|to|on)",
        r"(?:my|a|the) (?:manager|supervisor|colleague|team lead|tier 2|tier two|second line|specialist|senior|escalations team|other team|billing team) (?:will|can|is going to|could|should) (?:call|contact|take over|help|handle|reach|get back|pick|ring|phone|speak|talk)",
        r"(?:i will|let me|i can|i could) (?:have|get|ask) (?:my|a|the) (?:manager|supervisor|someone|colleague|team lead|boss|senior) (?:to )?(?:call|contact|ring|phone|reach|get back|speak|talk|join)",
        r"(?:would you like|do you want|would you prefer) to (?:speak|talk) (?:to|with) (?:my|a|the|another|someone)",
        r"(?:i will|let me) (?:find|grab|get) (?:someone|somebody|a colleague|my manager|my supervisor)",
        r"(?:hold on|one moment|one second|just a moment|please hold|bear with me) ~ (?:while i|i will) ~ " + TRANSFER,
    ],
    B.blames_customer: [
        r"you (?:should|should not|should not have|should have|shouldve|should of|ought to|were supposed to|needed to|had to) (?!have to|need|worry|be |not |(?:now |then |also |just )?(?:see|find|notice|get|spot)\b)(?:\w+ ){0,3}(?:read|have|checked|followed|known|set|clicked|saved|done|looked|asked|updated|tested|backed|paid|listened|configured|used|called|kept|made|been|watched|double)",
        r"you (?:must|might|may|probably|obviously|clearly) (?:have )?(?:deleted|changed|clicked|missed|done|removed|typed|entered|set|turned|forgotten|forgot|messed|broken|broke|skipped|ignored|overwritten|disabled|misread|mistyped|uploaded|imported|used|picked|selected)",
        r"(?:if you had|if you would have|had you|if you would) (?:just |actually |bothered to |only )?(?!like|prefer|want|rather|need|please|care|mind|be|give|allow|let)\w+",
        r"if you (?:had |just |actually )?\w+ed ~~ (?:properly|correctly|right|would not|this would|it would|none of this|in the first place)",
        r"(?:user|operator|human|customer) error",
        r"(?:that is|it is|this is|the problem is|the issue is) (?:your|on your|you) ?(?:fault|mistake|doing|end|side|own fault)",
        r"your (?:fault|mistake|error|own fault|doing)",
        r"you (?:did|set|configured|entered|typed|imported|did it|have done it|set it up|filled it|mapped) ~ (?:wrong|incorrectly|badly|the wrong|improperly)",
        r"you (?:did not|never|forgot to|failed to|forgot|neglected to|did not bother to|did not even) (?:read|follow|check|save|set|configure|update|click|back|look|pay|test|bother|enable|turn|follow|listen)",
        r"(?:read|check|look at) (?:the )?(?:manual|docs|documentation|faq|instructions|help center|help centre|guide|user guide|knowledge base) ~ (?:first|next time|before|properly)",
        r"(?:it|this|that) (?:works|worked|is working) (?:fine|perfectly|for everyone|on our end)",
        r"(?:problem|issue|fault) (?:is|must be|lies) (?:on |at |with )?(?:your|you) ?(?:end|side|computer|browser|network)?",
        r"you (?:broke|messed up|deleted|caused|screwed up|ruined|wrecked)",
        r"nothing (?:wrong|broken) (?:with|on) (?:our|the|my) (?:end|side|system)",
        r"(?:as usual|every time) you",
        r"(?:that is|it is) (?:what|why) (?:you get|happens when you)",
        r"(?:you|your team|your user|your admin|someone on your (?:team|account|side|end)) (?:just |probably |clearly |obviously |already |accidentally |actually |yourself )?"
        + PAST_ACTION
        + r" ~~ (?:that is why|which is why|that is what|that is how|so (?:of course|yes|yeah|obviously|naturally|it|they|that|now|the|nothing)|because of that|is why|of course|it is in the|it is written|i can see it|nobody else|not a bug|not our)",
        r"(?:because|since|cause|as) (?:you|your team|your users?|your admin|someone on your \w+) (?:just |probably |yourself )?(?:"
        + PAST_ACTION
        + r"|did not|never|are clicking|are using|were using|are on|were on|have not)",
        r"(?!figured|managed|worked|fixed|solved|found)\w+ed (?:\w+ ){0,3}(?:by )?yourself",
        r"(?:kind of |totally |all |that is |it is |this is )on you",
        r"a you (?:thing|problem|issue)",
        r"your own (?:clicks|fault|doing|mistake|settings|hands)",
        r"(?:where|what) you (?:went|did) wrong",
        r"you (?:are|were|have been)? ?(?:\w+ing )?(?:in |on |at |into |the )?(?:the )?wrong (?:place|workspace|page|field|column|file|button|account|tab|report|filter|setting|one|version|browser|format)",
        r"you (?:just |probably |obviously |clearly |simply )?(?:did not|never|forgot to|failed to) (?!do anything|do it wrong|do wrong|mess|break|cause|need|have to|do nothing|worry|deserve|lose|delete|touch|change)\w+",
        r"(?:people|those|someone|somebody|customers|users|one) who (?:do not|can not|never|did not|could not) (?:even )?(?:read|follow|check|listen|set)",
        r"(?:who|you) can not even (?:follow|read|set up|manage|handle|click)",
        r"who can not (?:follow|read|set up|manage|handle|click)",
        r"(?:read|check) (?:the )?(?:help|setup|user|quick start)? ?(?:page|guide|article|tutorial|docs) (?:next time|first|properly|before)",
        r"you (?:must|should) (?:check|read|test|look) (?:before|first|properly)",
        r"(?:settings|contacts|deals|data|they|it|pipelines?|fields?) (?:just|do not) (?:change|delete|rename|disappear|vanish|move) (?:themselves|itself|on their own|by (?:themselves|itself))",
    ],
    B.counter_aggression: [
        SWEAR,
        r"(?:what|who) the hell",
        r"(?:go to|the) hell",
        r"(?:do not|stop|quit) (?:you )?(?:yell\w*|shout\w*|scream\w*|rais\w* your voice|take that tone|talk back|get smart|get snippy|get cheeky|be rude|being rude|use that tone|snap\w*|bark\w*) (?:at |with )?me",
        r"watch (?:your|ur) (?:mouth|tone|attitude|language)",
        r"(?:now )?(?:you )?listen (?:to me|here|carefully|up)",
        r"(?:maybe|perhaps) (?:if )?you (?:should )?(?:listened|read|tried|stopped|learn|learned|paid|actually|just)",
        r"(?:i|we) (?:do not|can not) have (?:all day|time for this|time for you)",
        r"(?:what|who) do you think you are",
        r"you people",
        r"(?:are you|you are|you sound|you seem|you look|you must be|you are being|you are acting) (?:so |really |an |a |pretty |being |just |completely |totally |very |quite |kind of |like )?"
        + INSULT,
        r"(?:are you|r u) (?:serious|kidding|deaf|dumb|joking|even listening|listening|for real|blind|illiterate)",
        r"(?:that is|this is|you are being) (?:ridiculous|absurd|stupid|pathetic|a joke|childish|nonsense)",
        r"i (?:already|just) (?:told|said|explained|showed) ~ (?:twice|three times|several times|a hundred times|ten times|a million times|again|already)",
        r"for the (?:\w+ )?time",
        r"(?:not|is not|it is not) rocket science",
        r"(?:not|is not) (?:that|so) (?:hard|difficult)",
        r"(?:i am|i am not) (?:not )?(?:your|the) (?:punching bag|servant|slave|babysitter|mother|personal assistant)",
        r"(?:shut up|^get lost|get a life|grow up|get over yourself|cry me a river|boo hoo|whatever you say|take it or leave it|suit yourself)",
        r"(?:good|nice|great|well) (?:luck|job|done) (?:with that|then|to you|finding)",
        r"(?:some|a few) (?:people|customers) (?:just|really|never)",
        r"obviously you",
        r"(?:i am|i am getting) (?:sick|tired) of",
        r"(?:your|you) (?:problem|issue) (?:not|is not) (?:mine|my problem)",
        r"(?:is it|was it) (?:really )?(?:that|so) (?:hard|difficult)",
        r"even a (?:child|kid|toddler|monkey|five year old)",
        r"(?:i|we) (?:do not|dont) (?:need|have to) (?:take|listen to|put up with) (?:this|your|that)",
        r"(?:get in line|hold your hand|magic wand|your little|while i am at it|special occasion|great plan|normal people|stand up comedy|do stand up)",
        r"(?:whole|entire) (?:\w+ )?(?:minutes|times|seconds|hours|days)",
        r"(?:must be|must have been|that must be) (?:so |really |very |truly |just )+(?:hard|exhausting|tough|difficult|terrible|awful)(?: for you)?",
        r"drop everything",
        r"(?:heard|said|told) (?:you|it|that) (?:the )?first (?:\w+ )?(?:time|times)",
        r"not exactly (?:a |the |an )?(?:treat|smartest|easiest|pleasant|joy|picnic|ray)",
        r"what is wrong with you",
        r"screw (?:you|me|this|that)",
        r"(?:learn|learned|learnt|have|some|get some) (?:some )?manners",
        r"(?:and|then) see what happens",
        r"you are the one (?:who|that)",
        r"(?:is|are) (?:really|totally|definitely) going to (?:fix|help|speed|solve|make)",
        r"(?:always|really) makes? (?:computers|things|it|everything) (?:go |work )?(?:faster|better)",
        r"i doubt you",
        r"(?:heart is|heart bleeds|heart breaks) ?(?:breaking|bleeding)?",
        r"life is (?:just )?so unfair",
        r"(?:not enjoying|do not enjoy|i love spending) ~ (?:talking|listening|this|time)",
        r"are you always (?:this|so|like this)",
        r"says the (?:person|guy|one|lady|man|woman)",
        r"(?:from )?people (?:just )?like you",
        r"(?:get a grip|open your eyes|your eyes (?:closed|shut)|can you even (?:see|read|hear))",
        r"do not (?:bother|even think about) calling",
        r"you do not (?:speak|talk) (?:like (?:this|that) )?to me",
        r"(?:stop to|stop) (?:shout|yell|scream)\w* at me",
        r"i am not (?:deaf|stupid|your)",
        r"(?:worst|hardest) day of your (?:whole |entire )?life",
        r"yelling at me (?:is|always|will|really)",
        r"(?:buddy|pal|sweetheart|sweetie|honey|princess|genius|mate)\s*\|?$",
        r"(?:i am|we are) (?:so )?(?:thrilled|delighted)",
        r"(?:overload|overwhelm) you with",
        r"(?:hilarious|charming|impressive|lovely language|real achievement|very kind)",
        r"(?:because|cause) i said so",
        r"^(?:oh|ugh|aww|gee|ooh)(?: \|)? (?:what a|every|a disaster|do you|truly|and i|and you|sure|great|wonderful|brilliant|you poor|how (?:awful|terrible|sad))",
        r"(?:happy now|we are even|so we are even|do you want a medal|want a medal|alert the news|call the news|world is ending)",
        r"(?:too|so) hard for you",
        r"watch (?:it|yourself)(?: \||$| buddy| pal| mate| sir)",
        r"(?<!calling me an )(?<!call me an )(?<!calling me a )(?<!call me a )(?:moron|idiot|loser|jerk|dumbass|clown)",
        r"the (?:worst|rudest) (?:\w+ )?(?:caller|customer|person) (?:ever|i have)",
        r"(?:you are|what) a (?:delight|charmer|treat|joy|ray of sunshine|pleasure)",
        r"(?:truly|so|really) (?:gifted|talented|a genius)",
        r"takes (?:real )?(?:skill|talent|one to know one)",
        r"(?:nobody|no one) is stopping you",
        r"feel free to (?:use|go|call|cancel|leave|find)",
        r"(?:without|stop) being (?:so )?rude",
        r"(?:being|be) (?:polite|nice|civil) (?:is )?so hard",
        r"(?:you are|you are being) the (?:rude|difficult|problem) one",
        r"if you would (?:stop|just stop|shut up|let me)",
        r"(?:here i|and i) thought you",
        r"(?:ruin|ruining) your (?:day|life|week)",
        r"(?:the|those) (?:competent|smart|clever|good) ones",
        r"maybe (?:try|learn|listen)",
        r"(?:stop stop|just stop) (?:yell|shout|scream)\w*",
        r"(?:with you|you are) (?:screaming|yelling|shouting) (?:the )?(?:whole|entire) time",
        r"not this again",
        r"(?:experts|professionals|normal people|most people) (?:usually|actually) (?:read|know|check)",
        r"(?:customers|people|callers) were (?:polite|nice|patient)",
        r"(?:thought|think) (?:insulting|yelling at|shouting at|swearing at) (?:people|me)",
        r"(?:better|worse) than what you did",
        r"(?:is that|was that) (?:too|so) (?:hard|much|difficult)",
        r"i can do that too",
    ],
    B.dismisses: [
        r"calm (?:down|yourself)",
        r"(?:just |please )?(?:relax|chill|chill out|settle down|simmer down|take it easy|take a chill pill|breathe)\b",
        r"(?:it is|this is|that is|its|it was) (?:not|no) (?:a |that |such a |really a |that much of a |even a )?(?:big|huge|major|massive|real|serious) (?:deal|issue|problem|thing)",
        r"(?:it is|that is|this is) (?:only|just|hardly|merely) (?:a|one|some|two|three|a few|a couple) ~ (?:small|little|minor|tiny|bug|glitch|hiccup|contacts|deals|records|minutes|hours|report|field|thing)",
        r"you are (?:over ?reacting|overreacting|being (?:dramatic|emotional|unreasonable|silly|too sensitive|hysterical)|exaggerating|too sensitive|making (?:a |such a )?(?:big |huge )?(?:deal|fuss|drama|mountain))",
        r"(?:no|not) need to (?:get|be|act) (?:so |this |that )?(?:upset|angry|worked up|emotional|mad|dramatic|excited|heated|aggressive|loud|rude)",
        (r"i (?:do not|really do not|could not|honestly do not) care", False),
        r"(?:that|it|this) is (?:just )?(?:how|the way) (?:it is|things are|it goes|it works|life is)",
        r"(?:it|things|this|that) could (?:be|have been) (?:a lot |much |way )?worse",
        r"(?:get|got|getting) over it",
        r"(?:deal|live|cope) with it",
        (r"not (?:my|our) (?:problem|concern|issue|department|job)", False),
        r"(?:it is|this is|that is|it was|they are) (?:really |honestly |just )?not (?:that |so |very |really |even |an? |really a )?(?:bad|serious|urgent|important|big|terrible|complicated|much|emergency|disaster|catastrophe|a big|crisis)",
        r"(?:there is )?no (?:rush|hurry|biggie|need to rush)",
        r"(?:not (?:really )?a|no) big deal",
        r"(?:it is|they are|that is|this is|it was) (?:just |only |like |merely )+(?:a |an |the |one |some )?(?:small |tiny |little |minor )?(?:\w+ ){0,2}(?:thing|sync|report|module|wizard|glitch|list|numbers|contacts|day|duplicates|emails|field|hiccup)",
        r"(?:it is|is|that is|just|only) (?:a |an )?(?:small|tiny|minor|little) (?:thing|problem|issue|glitch|hiccup|bug)",
        r"(?:blowing|blown|blow) (?:this|it|things) (?:\w+ )?out of proportion",
        r"(?:too|way too|so|getting) (?:worked up|dramatic|emotional|upset)",
        r"lose it over",
        r"(?:cool|calm) it",
        r"(?:do not|dontworry) (?:stress|panic|get so|get dramatic|freak)",
        r"stop (?:worrying|stressing|panicking)",
        r"(?:can|could) (?:wait|survive) (?:a|ten|one|two|five|an|until|till|another)",
        r"never (?:hurt|killed) anyone",
        r"these things happen",
        r"(?:that is|it is|those are) (?:just )?(?:the|our) (?:policy|rules|process)",
        r"i do not make the rules",
        r"not (?:really )?(?:my|our) concern",
        r"does not change anything",
        r"no (?:need|reason) (?:for|to) (?:be )?(?:so )?(?:upset|furious|angry|mad|dramatic)",
        r"not (?:really )?something to worry about",
        r"(?:you do not|you will not|you do not really) need a (?:manager|supervisor) for",
        r"(?:win them all|one of those things|it is what it is|shrug)",
        r"(?:it is|that is) (?:really )?(?:easy|simple|no big)",
        r"(?:it is|is) (?:just|simply) not allowed",
        r"(?:whether|if) you (?:are|re) (?:furious|angry|upset|mad) or not",
        r"how you feel (?:about it )?(?:is not|does not|does|is)",
        r"first world problem",
        r"(?:you will|it will|you will be|everything will be|it is going to be|you are going to be|you will live|you will survive) (?:fine|okay|alright|survive|live)",
        r"(?:no|not) (?:reason|need|point) (?:to|in) (?:panic\w*|freak\w* out|get\w* upset|be\w* angry|shout\w*|yell\w*|get\w* worked up|stress\w*|worry\w*|be\w* so)",
        r"(?:stop|quit) (?:complaining|whining|moaning|overreacting|being so|crying|fussing|making a fuss)",
        r"(?:happens|it happens) (?:all the time|to everyone|every day|sometimes)",
        r"(?:there is )?nothing (?:to|i can|we can) (?:worry|be upset|get upset|panic) (?:about|for)?",
        r"(?:just|simply|you will have to|you have to|you will just have to) (?:wait|be patient|accept)",
        r"(?:it is|that is|this is) (?:really )?(?:no|not a) (?:big )?(?:deal|emergency|catastrophe|disaster|end of the world)",
        r"(?:not|no) the end of the world",
        r"(?:let us|we need to|you need to|just) move on",
        r"(?:i do not|we do not) (?:need|want) to hear (?:it|that|about)",
        r"(?:everyone|everybody|other people|other customers) (?:manage|manages|cope|copes|deals|deal|live|lives) ~ (?:with it|fine|just fine)",
    ],
    B.ends_call_prematurely: [
        r"(?:i am|i will|i am going to|i am about to|i will have to|i have to|i need to|i must|i am just going to|going to|i am gonna|i will just) (?:hang|hanging|end|ending|terminate|terminating|disconnect|disconnecting|drop|dropping|cut|cutting|close|closing|stop|stopping) ~ (?:up|the call|this call|this conversation|you off|the line|you|this|now|here|on you|conversation)",
        r"(?:hanging|hang) up (?:on you|now|the phone)",
        r"(?:i am|i am so|we are) (?:done|finished|through) (?:here|with (?:you|this|this call|this conversation|talking))",
        r"(?:this|the) (?:call|conversation) is (?:over|done|finished|ending|ended)",
        r"(?:i have|i have had) (?:had )?(?:enough|it with you)",
        r"(?:goodbye|bye bye|good bye|bye now|bye)\s*\|?$",
        r"(?:if|unless) you ~~ (?:i will|i am going to|i am|i will have to|i have to|i will just|i am gonna) ~ (?:hang|end|disconnect|terminate|drop|cut)",
        r"(?:one more|another) (?:word|swear\w*|insult|outburst) (?:and|then) ~ (?:hang|end|done|gone|disconnect)",
        r"(?:have a (?:good|nice) (?:day|one)) ~ (?:bye|goodbye)?\s*\|?$",
    ],
}

# Phrases that turn empathy words into attacks: "oh I'm *so* sorry you can't read a screen".
SARCASM_CUES: list[re.Pattern[str]] = [
    compile_pattern(source)
    for source in [
        r"sorry (?:that )?you (?:can not|could not|are unable|do not know how|do not understand|are too|struggle|find it so|can barely|are not able)",
        r"sorry (?:that )?(?:the|our) ~ (?:is|was) (?:too|so) (?:hard|difficult|complicated) for you",
        r"(?:oh|wow|gee|well) ~ (?:so|really|terribly|very|truly|deeply) (?:sorry|sad|terrible|upsetting)",
        r"(?:congratulations you|congrats you|bravo|well done genius|genius|einstein|sherlock|smart one|mastermind|rocket scientist)",
        r"(?:what|that is|how) (?:a )?(?:shock\w*|surprise|surprising|novel|original)",
        r"(?:must be|must feel) (?:so )?(?:nice|hard being|tough being|hard to be)",
        r"(?:sure you|i am sure you) (?:did|have|know|tried|read|are)",
        r"(?:oh|oh wow|wow) (?:you|another|really|great|brilliant|fantastic|what)",
        r"(?:poor|you poor) (?:you|thing|baby)",
        r"(?:cry|crying) (?:me )?a river",
        r"(?:boo hoo|boohoo)",
        r"(?:so|very|really) (?:smart|clever|bright) of you",
        r"(?:did you|have you) (?:even|actually|ever) (?:try|tried|read|look|looked|bother|bothered)",
        r"thanks? for (?:nothing|the lecture|sharing your feelings)",
        r"(?:must be|is) (?:so |really )?(?:hard|difficult|tough) (?:for you )?(?:to (?:read|click|follow|understand|press|find))",
        r"clearly (?:you|a) (?:genius|expert|pro)",
        r"(?:what|how) (?:a|an) (?:tragedy|catastrophe|disaster)",
        r"you (?:must|poor|really) (?:be )?(?:so|really) (?:smart|clever|brilliant|proud)",
        r"i am (?:so|really|truly|deeply) (?:sorry|sad) (?:you|that you) (?:can not|could not|are unable|find|struggle|do not know|have to)",
        r"^(?:oh|ooh|aww|ah|ohh) (?:sure|yeah sure|yes of course|great|wow (?!okay)|totally|absolutely|please|really|lovely|wonderful|perfect|brilliant|fantastic|how|what a|i totally|i understand completely|i absolutely|i am sure|i am so|so|thank you so much|do you|no of course|every|yeah sure)",
        r"^(?:wow|whoa) (?:you|and|i|lovely|thanks|every|really|so|what|four|five|three|two|hilarious|that is (?:really )?(?:going|great|nice|helpful|lovely|so))",
        r"(?:sooo+|soooo+) sorry",
        r"i am sure (?:that|it) (?:was|is|must)",
        r"(?:i|we) (?:totally|really|truly) feel your pain",
        r"(?:what|such) a (?:fair|great|good|brilliant|smart) question ~ (?:truly|really|the best)",
        r"(?:yeah right|sure sure|oh sure)\s*\|?$",
        r"shall (?:i|we)\s*\|?$",
        r"(?:nothing|it) is (?:ever|never) your fault",
        r"big (?:bad|scary)",
        r"hurt your (?:feelings|little)",
    ]
]
SARCASM_SILENCES = frozenset(
    {B.acknowledges_feelings, B.validates_competence, B.acknowledges_urgency, B.takes_ownership, B.explains_why}
)

# The customer asked for someone else and the reply simply agrees: a hand-off.
CUSTOMER_ASKS_TRANSFER = compile_pattern(
    r"(?:manager|supervisor|someone else|somebody else|your boss|transfer|escalate|speak to someone|talk to someone|higher up|senior)"
)
AGREES = compile_pattern(
    r"^(?:sure|of course|okay|alright|yes|yeah|absolutely|certainly|right away|no problem|noproblem|fine|very well)(?: \|)?(?: \w+){0,2}(?: \|)? (?:one|just|hold|a moment|moment|sec|second|i will|let me|putting|transferring|connecting)"
)


def _compiled() -> list[Pattern]:
    out: list[Pattern] = []
    for behaviour, sources in _SOURCES.items():
        for source in sources:
            text, negatable = (source, True) if isinstance(source, str) else source
            out.append(Pattern(behaviour, compile_pattern(text), negatable))
    return out


PATTERNS: list[Pattern] = _compiled()
