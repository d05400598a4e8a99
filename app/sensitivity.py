"""Rules for what must reach a human whatever the confidence (DESIGN §3). Pure."""
from __future__ import annotations

import re

# Each flag is a list of patterns; one match raises the flag. Kept as words a support lead
# can read and extend, not as a model, because a missed legal threat costs more than a
# needless escalation.
RULES: dict[str, list[str]] = {
    "legal": [r"\blawyers?\b", r"\battorneys?\b", r"\bsolicitors?\b", r"\blegal action\b", r"\bsue\b",
              r"\bsuing\b", r"\blawsuit\b", r"\bcourt\b", r"\bsmall claims\b", r"\bbreach of contract\b",
              r"\bregulator\b", r"\bombudsman\b"],
    "chargeback": [r"\bcharge ?back\b", r"\bdispute (the|this|these|a)? ?(charge|payment|transaction)",
                   r"\b(call|contact|tell|ask) my bank\b", r"\bcard issuer\b", r"\breverse the (charge|payment)\b",
                   r"\bfile a dispute\b"],
    "security": [r"\bhack(ed|er|ing)?\b", r"\bcompromised\b", r"\bunauthori[sz]ed (access|login|charge|user)",
                 r"\bsomeone (else )?(logged|log) ?in(to)?\b", r"\bsuspicious (login|activity|sign.?in)",
                 r"\baccount takeover\b", r"\bphishing\b", r"\bdata breach\b", r"\b(password|account|card|laptop|phone) (was |were )?stolen\b",
                 r"\bwasn'?t me\b", r"\bnot by me\b", r"\bi (did not|didn'?t) (log|sign) ?in\b", r"\bhijack",
                 r"\b(never|didn'?t) request(ed)?\b.*\b(reset|code|email|login)"],
    "churn": [r"\bcancel (my|our|the) (subscription|account|plan|contract)\b", r"\bclose (my|our) account\b",
              r"\bswitch(ing)? to (a )?(competitor|another)", r"\bnot (going to )?renew", r"\bwon'?t be renewing\b",
              r"\bmoving to\b.*\b(instead|competitor)\b", r"\bterminate (our|the) contract\b"],
    "human": [r"\b(real|actual|live) (person|human|agent|people)\b",
              r"\b(speak|speaking|talk|talking|chat|chatting|contact|contacting|reach|reaching|connect me|"
              r"put me through|transfer me) (to |with )?(a |an |one of your |some )?(live |real )?"
              r"(person|human|agent|operator|representative|rep|someone|somebody|staff member|employee)\b",
              r"\btalk (to|with) your\b", r"\b(a|an|actual) human( being)?\b",
              r"\bhuman (agent|being|person|support|representative)\b", r"\bnot a bot\b",
              r"\bstop sending (me )?(automated|bot)", r"\bescalate (this|my|it)\b", r"\b(your|a) (manager|supervisor)\b"],
    "personal_data": [r"\bgdpr\b", r"\bccpa\b", r"\bdelete (all )?(my|our) (personal )?(data|information|account)",
                      r"\bright to (be forgotten|erasure)\b", r"\berase (my|our)\b", r"\bsubject access request\b",
                      r"\bpersonal data\b", r"\bdata protection\b"],
    # Text that tries to instruct the bot: it gets a person, never obedience.
    "injection": [r"\b(ignore|disregard|forget) (all |any |your |the |previous |prior |above )*(instructions|rules|guidelines|prompt)",
                  r"\bsystem (note|prompt|message|override)\b", r"\byou are (now )?(authori[sz]ed|allowed|permitted) to\b",
                  r"\bdo not escalate\b", r"\b(developer|admin|god) mode\b", r"\bact as\b.*\b(admin|agent|manager)\b"],
}

_COMPILED = {flag: [re.compile(p, re.IGNORECASE) for p in patterns] for flag, patterns in RULES.items()}


def flags_for(text: str) -> tuple[str, ...]:
    return tuple(flag for flag, patterns in _COMPILED.items() if any(p.search(text) for p in patterns))
