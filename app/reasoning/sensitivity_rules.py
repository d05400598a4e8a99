"""The exact part of sensitivity detection: patterns that mean one flag wherever they appear. Pure.

Only wordings that are unambiguous belong here (a chargeback, GDPR, "ignore previous
instructions", a fake closing tag); everything that can be said in other words is the learned
detector's job (`sensitivity.py`). A rule can only add a flag.
"""
from __future__ import annotations

import re

RULES: dict[str, list[str]] = {
    "legal": [r"\blawyers?\b", r"\battorneys?\b", r"\bsolicitors?\b", r"\blegal action\b", r"\bsue\b",
              r"\bsuing\b", r"\blawsuit\b", r"\bsmall claims\b", r"\bbreach of contract\b", r"\bclass action\b",
              r"\babogad[oa]s?\b", r"\bavocats?\b", r"\banwalt\b|\banwältin\b|\brechtsanwalt", r"\bavvocat[oi]\b",
              r"\badvogad[oa]s?\b", r"\badvocaat\b", r"\bprawnik", r"\bavukat", r"\bадвокат", r"\bюрист",
              r"弁護士", r"律师|律師",
              # a formal legal step by its own name, in the languages triage reads
              r"\bburofax\b", r"\bprocedimiento monitorio\b", r"\b(demanda|v[ií]a) judicial\b", r"\bmise en demeure\b",
              r"\binjonction de payer\b", r"\bhuissier", r"\bpoursuites? judiciaires?\b", r"\bmahnbescheid\b",
              r"\bmahnverfahren\b", r"\bklage (ein|erheb)", r"\bgerichtlich", r"\bdiffida\b", r"\bdecreto ingiuntivo\b",
              r"\bvie legali\b", r"\bgiudice di pace\b", r"\bnotifica[cç][aã]o extrajudicial\b",
              r"\bprocesso judicial\b", r"\bjuizado especial\b", r"\bjulgado de paz\b", r"\bingebrekestelling\b",
              r"\bdagvaarding\b", r"\bkantonrechter\b", r"\bjuridische stappen\b", r"\bpozew\b", r"\bwezwanie przeds[aą]dowe\b",
              r"\bna drog[eę] s[aą]dow[aą]\b", r"\bdo s[aą]du\b", r"\bihtarname", r"\bicra takib", r"\bdava a[cç]",
              r"\bmahkemeye\b", r"\bисков(ое|ым|ого) заявлени", r"\bв суд\b", r"\bдосудебн", r"内容証明", r"少額訴訟",
              r"支払督促", r"訴訟", r"法的措置", r"律师函", r"起诉", r"诉讼", r"法律途径"],
    "regulator": [r"\bregulator\b", r"\bombudsm[ae]n\b", r"\btrading standards\b", r"\bconsumer (protection )?"
                  r"(agency|authority|bureau|ombudsman)\b", r"\bbetter business bureau\b", r"\bcfpb\b", r"\bftc\b"],
    "press": [r"\bjournalist\b", r"\b(request|asking|ask) for (a )?comment\b", r"\bgo(ing)? to the (press|media|papers)\b"],
    "chargeback": [r"\bcharge ?backs?\b", r"\bcontracargos?\b", r"\brückbuchung\b", r"\bchargeback\b",
                   r"\bdispute (the|this|these|a)? ?(charge|payment|transaction)", r"\bfile a dispute\b",
                   r"\b(call|contact|tell|ask) my bank\b", r"\bcard issuer\b", r"\breverse the (charge|payment)\b"],
    "security": [r"\bhack(ed|er|ing)\b", r"\baccount takeover\b", r"\bphishing\b", r"\bunauthori[sz]ed (access|login)",
                 r"\bsomeone (else )?(logged|log) ?in(to)?\b", r"\bsuspicious (login|activity|sign.?in)",
                 r"\bwasn'?t me\b", r"\bi (did not|didn'?t) (log|sign) ?in\b", r"\bhijack",
                 # an account broken into, in the languages triage reads
                 r"\bhacke(ad[oa]|ó|aron|ou|ado|ato|rato)\b", r"\bgehackt\b", r"\bpirat[ée]", r"\bzhakowan",
                 r"\bhacklen", r"\bkonto (zosta[lł]o )?przej[eę]te\b", r"\bwłamani[ae] na (moje )?konto\b", r"\bconta invadida\b",
                 r"\binvadiram (a )?minha conta\b", r"\baccount (violato|hackerato)\b", r"\baccount overgenomen\b",
                 r"\bhesab[ıi]m (çal[ıi]nd[ıi]|ele geçirildi)", r"\bвзлом", r"乗っ取られ", r"不正ログイン",
                 r"身に覚えのないログイン", r"(账号|帐号|账户)被(盗|黑)", r"盗号"],
    "scam": [r"\bidentity theft\b", r"\bstole my identity\b", r"\bscam(med|mer)?\b"],
    "crisis": [r"\bsuicid", r"\bkill (myself|me)\b", r"\bend (my|it all)\b.*\blife\b", r"\bself[- ]harm"],
    "safety": [r"\bcaught fire\b", r"\bemergency room\b", r"\belectric shock\b", r"\ballergic reaction\b"],
    "personal_data": [r"\bgdpr\b", r"\bccpa\b", r"\blgpd\b", r"\brgpd\b", r"\bdsgvo\b", r"\brodo\b", r"\bkvkk\b",
                      r"\bright to (be forgotten|erasure)\b", r"\bsubject access request\b", r"\bdata subject\b",
                      r"\bdelete (all )?(my|our) (personal )?(data|information)\b", r"\bpersonal data\b"],
    "account_change": [r"\b(no need to|don'?t|do not) verify\b", r"\bmake me (the )?(owner|admin)\b",
                       r"\btransfer (the )?ownership\b"],
    "human": [r"\b(real|actual|live) (person|human|agent|people)\b",
              r"\b(speak|speaking|talk|talking|chat|chatting|contact|contacting|reach|reaching|connect me|"
              r"put me through|transfer me) (to |with )?(a |an |one of your |some )?(live |real )?"
              r"(person|human|agent|operator|representative|rep|someone|somebody|staff member|employee)\b",
              r"\btalk (to|with) your\b", r"\b(a|an|actual) human( being)?\b",
              r"\bhuman (agent|being|person|support|representative)\b", r"\bnot a bot\b",
              r"\bstop sending (me )?(automated|bot)", r"\bescalate (this|my|it)\b", r"\b(your|a) (manager|supervisor)\b",
              # a call back asked for, in the languages triage reads ("Rückruf" alone may thank for one)
              r"\bcall ?back request\b", r"\bll[aá]m[ae]nme\b", r"\bque me llamen\b",
              r"\b(rappelez[- ]moi|me rappeler) (au|sur le) \+?\d", r"\brappel t[ée]l[ée]phonique\b",
              r"\b(bitte um|um einen|erbitte|erbitten) r[üu]ckruf\b", r"\br[üu]ckruf(bitte|wunsch|erbeten)\b",
              r"\brufen sie mich\b", r"\brichiamatemi\b", r"\bmi richiamat", r"\bme liguem\b", r"\bliguem[- ]me\b",
              r"\bbel me terug\b", r"\bterugbelverzoek\b", r"\boddzwo[nń]", r"\bbeni aray[ıi]n", r"\bgeri aran",
              r"\bперезвоните\b", r"\bпозвоните мне\b", r"折り返し(お)?電話", r"お電話(を)?ください", r"回电",
              r"人工客服", r"转人工"],
    "churn": [r"\bcancel (my|our|the) (subscription|account|plan|contract|membership)\b",
              r"\bclose (my|our) account\b", r"\bswitch(ing)? to (a )?(competitor|another)", r"\bnot (going to )?renew",
              r"\bwon'?t be renewing\b", r"\bterminate (our|the|my) (contract|subscription|account)\b"],
    # Text that tries to instruct the bot: it gets a person, never obedience.
    "injection": [r"\b(ignore|disregard|forget) (all |any |your |the |previous |prior |above |earlier )*"
                  r"(instructions|rules|guidelines|prompt)",
                  r"\bsystem (note|prompt|message|override|instruction)", r"\byou are (now )?(authori[sz]ed|allowed|"
                  r"permitted) to\b", r"\bdo not escalate\b", r"\b(developer|admin|god|dan) mode\b",
                  r"\bact as\b.*\b(admin|agent|manager)\b", r"</\s*(system|ticket|customer|user|message|input|"
                  r"instructions?|context|email)[\w-]*\s*>", r"^\s*(system|assistant)\s*:", r"\[\s*(internal|system)"
                  r"( note)?\s*\]", r"\bnew instructions? (from|for you)\b", r"\b(reveal|print|show|repeat) (me )?(your|the) "
                  r"(system )?(prompt|instructions)",
                  # the bot addressed by name ("Note for the support assistant: …"), or told its mode
                  r"\b(note|message|instructions?|memo) (for|to) (the |our |your )?(support |customer[- ]service |ai |"
                  r"virtual )?(assistant|bot|chatbot|ai)\s*:", r"\byou are now (in|operating in|running in) (a |an )?"
                  r"[\w-]+ mode\b"],
}

_COMPILED = {flag: [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns] for flag, patterns in RULES.items()}


def rule_matches(text: str) -> list[tuple[str, str]]:
    """(flag, the words that raised it) for every flag a rule raises, first match each."""
    found = []
    for flag, patterns in _COMPILED.items():
        for pattern in patterns:
            if m := pattern.search(text):
                found.append((flag, m.group(0).strip()[:60]))
                break
    return found
