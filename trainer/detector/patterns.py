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
ABUSE = (
    r"(?:anger|tone|behaviou?r|rudeness|hostility|aggression|swear\w*|curs\w*|yell\w*|shout\w*|scream\w*|language|insult\w*|attack\w*|name calling|call\w* me names"
    r"|talk\w* to me like|speak\w* to me like|spoken to like|abus\w*|disrespect\w*|treat\w* me|personal\w*)"
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
        r"(?:you|you are|you sound|you seem|you must be|you must feel|you feel|you have been|you were|you would be) ~ "
        + EMOTION,
        r"(?:this|that|it) (?:is|was|has been|must be|sounds|must have been|would be|seems|can be) ~ " + EMOTION,
        r"(?:sounds|must be|must feel) (?:so |really |very |incredibly |super )?" + EMOTION,
        r"(?:so|really|very|terribly|truly|deeply|extremely|genuinely|awfully|incredibly)? ?sorry (?:that|you|for|about|to hear|this|it|to put you|we)",
        r"(?:my|our) (?:sincere |deepest )?apolog\w*",
        r"i apologi[sz]e",
        r"i would (?:be|feel) ~ (?:the same|upset|angry|frustrated|mad|annoyed|furious|livid|fuming)",
        r"(?:anyone|anybody|everyone|i|we) would (?:be|feel) (?:upset|angry|frustrated|mad|annoyed|the same)",
        r"(?:i|we) (?:totally |completely |really |fully )?get (?:it|that|why)",
        r"your (?:frustration|anger|concern\w*|annoyance|feelings|stress|worry|disappointment) (?:is|are|makes) ~ (?:understandable|valid|fair|justified|reasonable|real|sense|natural|normal)",
        r"(?:completely|totally|perfectly|entirely|very|so) (?:understandable|valid|fair|reasonable|justified)",
        r"(?:that|it|this) is (?:understandable|valid)",
        r"every right to be",
        r"i hear you",
        r"i feel (?:you|your)",
        r"(?:i am|we are) (?:with you|on your side)",
        r"(?:that|this) (?:is|sounds|must be) (?:not okay|not good|not fun|a lot|so much|really bad|bad)",
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
        r"(?:a lot of|lots of|many|most|plenty of|loads of|so many|tons of|other|our other|half of our|even experienced) (?:people|customers|users|folks|clients|admins|teams) ~ (?:get|are|find|struggle|have|miss|ask|hit|run|make|trip|do|did)",
        r"you are (?:clearly |obviously |definitely |absolutely |really |very |totally )?(?:smart|capable|right|experienced|savvy|sharp|good at|an expert|on the right track|not alone|spot on|correct)",
        r"you (?:clearly|obviously|definitely|really) (?:know|understand|get)",
        r"you know (?:what you are doing|your way|your stuff|the system|this)",
        r"(?:good|great|fair|excellent|smart|reasonable|valid|brilliant|totally fair|really good) (?:question|point|catch|call|instinct|thinking|spot|observation|idea)",
        r"(?:you|your instinct|your thinking|your logic) (?:was|were|is) (?:right|correct|spot on|sound)",
        r"makes (?:total |complete |perfect )?sense (?:that|why|to) (?:you|try|do)",
        r"(?:easy|common|natural|understandable|normal) (?:mistake|to miss|to get|thing to|to overlook|to confuse|to think)",
        r"(?:not|is not) (?:very |really |at all |exactly )?(?:obvious|intuitive|clear|well labell?ed|easy to find)",
        r"(?:that|this|it) is on (?:us|me|our side)",
        r"(?:our|my) (?:fault|mistake|bad|error)",
        r"(?:the|this|that|our) (?:screen|menu|page|setting|feature|design|layout|option|button|wording|label|interface|import|tool) (?:is|can be) (?:really |genuinely |honestly |super |a bit |quite |pretty )?(?:confusing|hidden|tricky|badly|buried|unclear|misleading|poorly)",
        r"(?:anyone|anybody|everybody|everyone) (?:would|could|can|gets|does|makes)",
        r"(?:you|you are) not the (?:only|first)",
        r"(?:thank you|thanks) for (?:checking|trying|doing|explaining|walking|being so)",
    ],
    B.takes_ownership: [
        r"i (?:will|am going to|am|shall|can|promise to|am gonna) (?:personally |definitely |absolutely |make sure to |now )?(?:fix|sort|solve|handle|take care|look into|get (?:this|it|that|you|your|to the bottom|these|them)|resolve|stay|work|make sure|own|deal|dig|figure|follow this|see this|take this|take ownership|get on|chase|restore|recover|bring back|track|find out|investigate|check|go through|take it from here|take over|get back)",
        r"i am (?:on|onto) (?:it|this|that|the case)",
        r"let us (?:get|fix|sort|figure|solve|work|take care|tackle|get to the bottom|find|go through|look|check|dig|restore|see|try|walk)",
        r"(?:together|we will|we are going to|we can|we will get) ~ (?:fix|sort|solve|get|figure|restore|find|work)",
        r"i (?:have got|got|have) (?:this|you|it) (?:covered)?",
        r"leave (?:it|this) (?:with|to) me",
        r"(?:with|by) you (?:until|till|til|the whole way)",
        (
            r"(?:i am|i will) not (?:going to )?(?:pass|hand|bounce|transfer|send|leave|drop|abandon) (?:you|this)",
            False,
        ),
        r"you (?:have|got) my word",
        r"i (?:promise|guarantee)",
        r"i (?:take|will take|am taking) (?:full |complete )?(?:responsibility|ownership|care|charge)",
        r"i (?:will|am going to) see (?:this|it) through",
        r"i am (?:the right|your) person",
        r"(?:i|we) can (?:definitely |absolutely |totally |easily )?(?:fix|sort|solve|handle|resolve|restore|recover|get (?:this|it|that|you))",
        r"dontworry ~ (?:i|we) (?:will|can|have|got|are)",
        r"i (?:will|am going to|am) (?:stay|be|remain) (?:with you|on (?:this|it|the line)|here)",
        r"(?:my|mine) (?:job|responsibility|problem now|priority)",
        r"i am (?:working|looking|checking|digging) (?:on|at|into) (?:it|this|that|your)",
        r"i (?:will|am going to|can) (?:help you|get you) (?:fix|get|sort|with|through|back)",
    ],
    B.acknowledges_urgency: [
        r"(?:every|each) (?:single )?(?:minute|hour|second|day|moment) ~ (?:cost\w*|count\w*|matter\w*|los\w*|lose|down|money|hurt\w*|without)",
        r"(?:costing|cost|costs|losing|lose|lost|hurting|affecting) (?:you|your business|your team|your company) ~ (?:money|sales|business|deals|revenue|time|customers|income|clients)?",
        r"(?:top|highest|number one|first|main|biggest|absolute|urgent|high) priority",
        r"(?:treat|treating|mark\w*|flag\w*|handle|handling|log\w*|raise\w*) (?:this|it) (?:as )?(?:an? )?(?:urgent|critical|priority|p1|high priority|emergency)",
        r"(?:on it|looking|working|fixing|checking|doing|escalating|digging|starting|jumping|moving|getting on it|on this)\w* ~ (?:right now|right away|immediately|straight away|this minute|this second|as we speak|now)",
        r"(?:as )?(?:fast|quickly|quick|soon|rapidly|swiftly) as (?:possible|i can|we can|humanly)",
        r"\basap\b",
        r"immediately",
        r"(?:this|it) is (?:very |really |extremely |clearly |absolutely )?(?:urgent|critical|time sensitive|an emergency|serious|business critical)",
        r"(?:know|understand|realize|realise|get|see|appreciate|aware) ~~ (?:time|money|deadline|quarter|business|livelihood|costing|losing|revenue|sales|clients|customers depend|income|urgent|critical)",
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
        (r"(?:i will not|i do not|i can not) (?:accept|tolerate|allow|take|stand for)", False),
        (
            r"(?:let us|can we|could we|i need us to|i need you to|i ask you to|i would ask you to|please) (?:keep|stay|remain|be) ~ (?:respectful|civil|calm|polite|professional|kind)",
            False,
        ),
        (
            r"i (?:need|ask|must ask|have to ask|would ask|am asking) you (?:to )?(?:stop|not|please stop|refrain|avoid) ~ (?:swear\w*|curs\w*|yell\w*|shout\w*|attack\w*|insult\w*|call\w* me|language|personal|talk\w*|speak\w*)",
            False,
        ),
        (r"i (?:am|want) (?:here )?to help ~~ (?:but|and|if|so) ~~ " + ABUSE, False),
        (r"(?:respectful\w*|with respect|respect each other|treat me with respect|mutual respect)", False),
        (
            r"(?:not|no) (?:okay|ok|acceptable|appropriate|going to work) (?:to|for you to) (?:swear|curse|yell|shout|attack|insult|call|talk|speak)",
            False,
        ),
    ],
    B.offers_callback: [
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
        TRANSFER
        + r" ~~ (?:repeat|retell|re tell|start (?:over|again|from)|explain (?:it|everything|this|the whole|all)|tell (?:your|the|them|it) ~ (?:story|again|over)|same (?:thing|things|information|info|knowledge|answer|tools|access|system|screens?)|know\w* (?:the same|nothing|what i know|exactly)|longer|wait\w*|delay\w*|slow\w*|queue|from scratch|back to square one|all over again|lose time)",
        r"(?:you would|you will|you might|you would have to|you will have to|you have to|you need to|you would need to) (?:have to |need to )?(?:repeat|retell|re explain|explain|tell|go over|start) ~~ (?:again|over|from the start|story|from scratch|beginning|everything)",
        r"(?:they|my manager|my supervisor|the manager|the supervisor|my boss|my lead|my colleague|anyone else|someone else|the next person) ~ (?:know\w*|can do|has|have|would tell|will tell|tell you|sees|see) (?:the same|nothing (?:more|extra|i do not|different)|exactly what i|no more than|what i know|the same things)",
        r"(?:same|identical|exact same) (?:access|tools|authority|knowledge|training|information|screens?|systems?|permissions)",
        r"(?:would|will|only|just) (?:only |just )?(?:slow|delay|set) (?:you|this|things|it|us)? ?(?:down|back)",
        r"(?:take|takes|taking) (?:even )?longer",
        r"(?:nothing|no one|nobody) (?:there |above me )?(?:who )?(?:can|could|knows) (?:do|fix|more)",
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
        r"you (?:should|should not|should not have|should have|shouldve|should of|ought to|were supposed to|needed to|had to) ~ (?:read|have|checked|followed|known|set|clicked|saved|done|looked|asked|updated|tested|backed|paid|listened|configured|used|called|kept|made|been|watched|double)",
        r"you (?:must|might|may|probably|obviously|clearly) (?:have )?(?:deleted|changed|clicked|missed|done|removed|typed|entered|set|turned|forgotten|forgot|messed|broken|broke|skipped|ignored|overwritten|disabled|misread|mistyped|uploaded|imported|used|picked|selected)",
        r"(?:if|had) you (?:had |would have |just |actually |bothered to )?(?:read|followed|listened|set|checked|done|configured|paid attention|looked|watched|used|updated|backed|saved|bothered|clicked)",
        r"(?:user|operator|human|customer) error",
        r"(?:that is|it is|this is|the problem is|the issue is) (?:your|on you|on your (?:end|side)|you) ?(?:fault|problem|mistake|doing|end|side)?",
        r"(?:your|you) (?:fault|mistake|error|own fault|doing|problem not ours)",
        r"you (?:did|set|configured|entered|typed|imported|did it|have done it|set it up|filled it|mapped) ~ (?:wrong|incorrectly|badly|the wrong|improperly)",
        r"you (?:did not|never|forgot to|failed to|forgot|neglected to|did not bother to|did not even) (?:read|follow|check|save|set|configure|update|click|do|back|look|pay|test|bother|enable|turn|follow|listen)",
        r"(?:read|check|look at) (?:the )?(?:manual|docs|documentation|faq|instructions|help center|help centre|guide|user guide|knowledge base) ~ (?:first|next time|before|properly)",
        r"(?:it|this|that) (?:works|worked|is working) (?:fine|perfectly|for everyone|on our end)",
        r"(?:problem|issue|fault) (?:is|must be|lies) (?:on |at |with )?(?:your|you) ?(?:end|side|computer|browser|network)?",
        r"you (?:broke|messed up|deleted|caused|screwed up|ruined|wrecked)",
        r"nothing (?:wrong|broken) (?:with|on) (?:our|the|my) (?:end|side|system)",
        r"(?:again|as usual|every time) you",
        r"(?:that is|it is) (?:what|why) (?:you get|happens when you)",
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
        r"(?:not|is not) (?:that|so) (?:hard|difficult|complicated)",
        r"(?:i am|i am not) (?:not )?(?:your|the) (?:punching bag|servant|slave|babysitter|mother|personal assistant)",
        r"(?:shut up|get lost|get a life|grow up|get over yourself|cry me a river|boo hoo|whatever you say|take it or leave it|suit yourself)",
        r"(?:good|nice|great|well) (?:luck|job|done) (?:with that|then|to you|finding)",
        r"(?:some|a few) (?:people|customers) (?:just|really|never)",
        r"obviously you",
        r"(?:i am|i am getting) (?:sick|tired) of",
        r"(?:your|you) (?:problem|issue) (?:not|is not) (?:mine|my problem)",
        r"(?:honestly|seriously|frankly|unbelievable)[ ,]+(?:you|some people|people|this)",
        r"(?:is it|was it) (?:really )?(?:that|so) (?:hard|difficult)",
        r"even a (?:child|kid|toddler|monkey|five year old)",
        r"(?:i|we) (?:do not|dont) (?:need|have to) (?:take|listen to|put up with) (?:this|your|that)",
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
        r"(?:it is|this is|that is) not (?:that|so|very|really|even) (?:bad|serious|urgent|important|big|terrible|complicated|much)",
        r"first world problem",
        r"(?:you will|it will|you will be|everything will be|it is going to be|you are going to be|you will live|you will survive) (?:fine|okay|alright|survive|live)",
        r"(?:no|not) (?:reason|need|point) (?:to|in) (?:panic\w*|freak\w* out|get\w* upset|be\w* angry|shout\w*|yell\w*|get\w* worked up|stress\w*|worry\w*|be\w* so)",
        r"(?:stop|quit) (?:complaining|whining|moaning|overreacting|being so|crying|fussing|making a fuss)",
        r"(?:happens|it happens) (?:all the time|to everyone|every day|sometimes)",
        r"(?:there is )?nothing (?:to|i can|we can) (?:worry|do|be upset|get upset|panic) (?:about|for)?",
        r"(?:just|simply|you will have to|you have to|you will just have to) (?:wait|be patient|accept)",
        r"(?:it is|that is|this is) (?:really )?(?:no|not a) (?:big )?(?:deal|emergency|catastrophe|disaster|end of the world)",
        r"(?:not|no) the end of the world",
        r"(?:move on|moving on)",
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
        r"(?:congratulations|congrats|bravo|well done genius|genius|einstein|sherlock|smart one|mastermind|rocket scientist)",
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
    ]
]
SARCASM_SILENCES = frozenset({B.acknowledges_feelings, B.validates_competence})

# The customer asked for someone else and the reply simply agrees: a hand-off.
CUSTOMER_ASKS_TRANSFER = compile_pattern(
    r"(?:manager|supervisor|someone else|somebody else|your boss|transfer|escalate|speak to someone|talk to someone|higher up|senior)"
)
AGREES = compile_pattern(
    r"^(?:sure|of course|okay|alright|yes|yeah|absolutely|certainly|right away|no problem|noproblem|fine|very well)(?: \w+){0,2} (?:one|just|hold|a moment|moment|sec|second|i will|let me|putting|transferring|connecting)"
)


def _compiled() -> list[Pattern]:
    out: list[Pattern] = []
    for behaviour, sources in _SOURCES.items():
        for source in sources:
            text, negatable = (source, True) if isinstance(source, str) else source
            out.append(Pattern(behaviour, compile_pattern(text), negatable))
    return out


PATTERNS: list[Pattern] = _compiled()
