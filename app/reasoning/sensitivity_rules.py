"""The exact part of sensitivity detection: patterns that mean one flag wherever they appear. Pure.

Only wordings that are unambiguous belong here (a chargeback, GDPR, "ignore previous
instructions", a fake closing tag); everything that can be said in other words is the learned
detector's job (`sensitivity.py`). A rule can only add a flag.
"""
from __future__ import annotations

import re

# A journalist and a request for a statement in the same message, in the languages triage reads
# (a word boundary only before the alphabetic words: Chinese and Japanese have none).
_REPORTER = (r"(periodista|reporter[oa]?|journaliste|journalist(in)?|redakteur(in)?|jornalista|rep[óo]rter|giornalista|cronista|"
             r"verslaggever|redacteur|dziennikar\w*|gazeteci|muhabir|журналист\w*|корреспондент\w*|記者|记者)")
_COMMENT = (r"(\b(?:comentario|declaraci[oó]n|declaraciones|postura|versi[oó]n de los hechos|commentaire|r[ée]action|"
            r"d[ée]claration|stellungnahme|statement|kommentar|coment[áa]rio|posicionamento|declara[cç][aã]o|commento|"
            r"dichiarazion\w*|replica|reactie|commentaar|wederhoor|komentarz\w*|stanowisk\w*|o[śs]wiadczeni\w*|a[çc][ıi]klama|"
            r"yorum|комментари\w*|позици\w*)|コメント|見解|置评|回应|评论)")

# A complaint and an authority that supervises banks, telecoms or personal data in the same breath (the
# authority named alone is a compliance question as often: "our quarterly report to the BaFin").
_COMPLAINT = (r"(\b(?:quej\w*|reclamaci[oó]n\w*|denuncia\w*|plaintes?|r[ée]clamation\w*|beschwer\w*|reclama[cç][aã]o|reclamaç\w*|queix\w*|reclam\w*|"
              r"espost\w*|klacht\w*|skarg\w*|zg[lł]osz\w*|[şs]ikayet\w*|жалоб\w*|пожалова\w*|complain\w*)|苦情|申し立て|投诉|举报)")
_AUTHORITY = (r"(\b(?:bafin|bundesnetzagentur|aufsichtsbeh[öo]rde|datenschutzbeh[öo]rde|datenschutzbeauftragte\w*|cnmc|banco de espa[ñn]a|aepd|"
              r"acpr|arcep|amf|banque de france|cnil|banco de portugal|anatel|bacen|banco central|anpd|cmvm|banca d'italia|ivass|consob|"
              r"agcom|agcm|garante\w*|autoriteit persoonsgegevens|afm|dnb|knf|uke|uodo|bddk|btk|kvkk|spk|цб|центробанк\w*|банк\w* россии|"
              r"роскомнадзор\w*|фас|ico|fca|ofcom|sec|fcc)\b|金融庁|個人情報保護委員会|総務省|银保监\w*|证监会|人民银行|工信部|网信办)")

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
                  r"(agency|authority|bureau|ombudsman)\b", r"\bbetter business bureau\b", r"\bcfpb\b", r"\bftc\b",
                  r"\battorney general\b", r"\bconsumer affairs\b",
                  # the consumer bodies people complain to, by their own names (a data-protection authority
                  # is left out: customers name it in compliance questions too)
                  r"\bomic\b", r"\boficinas? (municipal(es)? )?de(l)? consum", r"\bhojas? de reclamaci",
                  r"\bdefensor del (cliente|consumidor)\b", r"\bdefensa del consumidor\b", r"\bprofeco\b", r"\bsernac\b",
                  r"\bdgccrf\b", r"\bm[ée]diateur de la consommation\b", r"\bufc[- ]que choisir\b", r"\bsignal ?conso\b",
                  r"\bassociation de consommateurs\b", r"\bverbraucherzentrale\b", r"\bschlichtungsstelle\b", r"\bprocon\b",
                  r"\blivro de reclama", r"\bconsumidor\.gov", r"\bcodacons\b", r"\baltroconsumo\b",
                  r"\bassociazion[ei] (dei |di )?consumatori\b", r"\bconsumentenbond\b", r"\bgeschillencommissie\b",
                  r"\bkifid\b", r"\bconsuwijzer\b", r"\buokik\b", r"\brzecznik\w* (praw )?konsument", r"\bt[üu]ketici hakem",
                  r"\bроспотребнадзор", r"\bобществ\w* защиты прав потребител", r"消費者センター", r"消費生活センター",
                  r"国民生活センター", r"12315", r"消协", r"消费者协会",
                  _COMPLAINT + r"[\s\S]{0,80}?" + _AUTHORITY, _AUTHORITY + r"[\s\S]{0,80}?" + _COMPLAINT],
    "press": [r"\bjournalist\b", r"\b(request|asking|ask) for (a )?comment\b", r"\bgo(ing)? to the (press|media|papers)\b",
              r"\brequest for comment\b", r"\b(press|media) (inquiry|enquiry|request)\b",
              # a journalist asking for comment, in the languages triage reads (a journalist who is simply a
              # customer asks for no statement)
              _REPORTER + r"[\s\S]{0,400}?" + _COMMENT, _COMMENT + r"[\s\S]{0,400}?" + _REPORTER,
              # going to the press or to public complaint sites
              r"\b(ir|acudir|acudiré|iré|voy|llevar\w*|contar\w*|denunciar\w*) (esto |todo esto |el caso )?(a|ante) "
              r"(la prensa|los medios(?! de))", r"\b(à|a) la presse\b(?!-)", r"\baux médias\b",
              r"\b(alerter|contacter|prévenir|saisir|informer) (la presse|les médias)\b", r"\ban die (presse|öffentlichkeit|medien)\b",
              r"\b(die )?medien einschalten\b", r"\bpresseanfrage\b", r"\b(à|a) (imprensa|mídia)\b", r"\bna imprensa\b",
              r"\breclame aqui\b", r"\b(ai|sui) giornali\b", r"\bai media\b", r"\bnaar de (pers|media|krant)\b", r"\bpersvraag\b",
              r"\bdo (mediów|prasy)\b", r"\bmedyaya\b", r"\bbas[ıi]na (gid|taşı|açıkla|duyur|ver)", r"\b[şs]ikayetvar",
              r"\bв (сми|прессу)\b", r"マスコミ", r"報道機関", r"向媒体", r"媒体曝光", r"找媒体"],
    "chargeback": [r"\bcharge ?backs?\b", r"\bcontracargos?\b", r"\brückbuchung\b", r"\bchargeback\b",
                   r"\bdispute (the|this|these|a)? ?(charge|payment|transaction)", r"\bfile a dispute\b",
                   r"\b(call|contact|tell|ask) my bank\b", r"\bcard issuer\b", r"\breverse the (charge|payment)\b",
                   # a payment contested with the bank, in the languages triage reads
                   r"\b(reclam\w*|disput\w*|impugn\w*) .{0,30}\b(al|en el|con el|ante el) banco\b",
                   r"\bcontest\w* (\w+ ){0,3}(aupr[èe]s de|avec) (ma|la) banque\b",
                   r"\bbei (meiner|unserer|der) bank (widersprochen|reklamiert|zur[üu]ckgebucht|zur[üu]ckbuchen)",
                   r"\bcontest\w* (\w+ ){0,3}(no|junto ao|com o) (meu )?banco\b", r"\bcontestat\w* (\w+ ){0,3}(con|alla|presso) (la )?(mia )?banca\b",
                   r"\b(bij|via) (mijn|onze) bank (teruggeboekt|terugboeken|betwist)", r"\breklamacj\w* w (moim )?banku\b",
                   r"\bbankaya itiraz", r"\bоспори\w* .{0,30}в банке\b", r"カード会社に(連絡|異議|相談)",
                   r"向银行(申请)?(退单|拒付|申诉|投诉)"],
    "security": [r"\bhack(ed|er|ing)\b", r"\baccount takeover\b", r"\bphishing\b", r"\bunauthori[sz]ed (access|login)",
                 r"\bsomeone (else )?(logged|log) ?in(to)?\b", r"\bsuspicious (login|activity|sign.?in)",
                 r"\bwasn'?t me\b", r"\bi (did not|didn'?t) (log|sign) ?in\b", r"\bhijack",
                 # an account broken into, in the languages triage reads
                 r"\bhacke(ad[oa]|ó|aron|ou|ado|ato|rato)\b", r"\bgehackt\b", r"\bpirat[ée]", r"\bzhakowan",
                 r"\bhacklen", r"\bkonto (zosta[lł]o )?przej[eę]te\b", r"\bwłamani[ae] na (moje )?konto\b", r"\bconta invadida\b",
                 r"\binvadiram (a )?minha conta\b", r"\baccount (violato|hackerato)\b", r"\baccount overgenomen\b",
                 r"\bhesab[ıi]m (çal[ıi]nd[ıi]|ele geçirildi)", r"\bвзлом", r"乗っ取られ", r"不正ログイン",
                 r"身に覚えのないログイン", r"(账号|帐号|账户)被(盗|黑)", r"盗号"],
    "scam": [r"\bidentity theft\b", r"\bstole my identity\b", r"\bscam(med|mer)?\b",
             # identity theft by its name, a fraudster, or having been defrauded (not fraud as a topic: a school
             # project or an article about scams is not one)
             r"\brobo de identidad\b", r"\busurpation d'identit", r"\bidentit[äa]tsdiebstahl\b", r"\broubo de identidade\b",
             r"\bfurto d'identit", r"\bidentiteitsfraude\b", r"\bkradzie[żz] to[żz]samo", r"\bkimlik h[ıi]rs[ıi]zl[ıi]",
             r"\bкраж\w* личност", r"なりすまし", r"身份(被)?(盗用|冒用)", r"\bestafador|\bestafad[oa]s?\b|\bestafaron\b",
             r"\barnaqueurs?\b|\barnaqu[ée]e?s?\b|\bfait arnaquer\b", r"\bbetr[üu]ger|\bbetrogen\b", r"\bgolpistas?\b",
             r"\bca[íi] (num|em um|no) golpe\b", r"\btruffator|\btruffat[oaie]\b", r"\boplichters?\b|\bopgelicht\b",
             r"\boszu(st|sta|ści|stów)\b", r"\bdolandır[ıi]c[ıi](lar|lar[ıi]|ya|n[ıi]n)?\b|\bdolandır[ıi]ld[ıi]",
             r"\bмошенник", r"詐欺師|詐欺に(遭|あ)", r"骗子|被骗"],
    "crisis": [r"\bsuicid", r"\bkill (myself|me)\b", r"\bend (my|it all)\b.*\blife\b", r"\bself[- ]harm",
               r"\bsuizid|\bselbstmord", r"\bzelfmoord", r"\bsamob[óo]j", r"\bintihar", r"\bсуицид|\bсамоубий",
               r"\bпокончить с собой", r"自殺|死にたい|消えたい", r"自杀|不想活", r"\bquitarme la vida\b", r"\bme suicider\b",
               r"\bmich umbringen\b", r"\btirar a minha (pr[óo]pria )?vida\b", r"\btogliermi la vita\b",
               r"\bodebra[ćc] sobie [żz]ycie\b", r"\bcan[ıi]ma k[ıi]y"],
    "safety": [r"\bcaught fire\b", r"\bemergency room\b", r"\belectric shock\b", r"\ballergic reaction\b",
               # caught fire, or taken to hospital in an emergency (not a hospital's own dashboard)
               r"\b(se )?(incendi[óo]|prendi[óo] fuego)\b", r"\ba pris feu\b", r"\bfeuer gefangen\b", r"\bpegou fogo\b",
               r"\bha preso fuoco\b", r"\bvlam gevat\b", r"\bzapali[lł] si[eę]\b", r"\balev ald[ıi]\b",
               r"\bзагорел(ся|ась|ось|ись)\b", r"発火", r"起火|着火",
               r"\b(llev\w*|fu[ie]|ingres\w*|acab\w*|termin\w*) (\w+ )?(a|en) urgencias\b",
               r"\b(emmen\w*|transport\w*|fini|finir|fil[ée]|conduit\w*|pass[ée]\w*) (\w+ )?aux urgences\b",
               r"\bin die notaufnahme\b", r"\bin der notaufnahme gelandet\b", r"\bal pronto soccorso\b",
               r"\bao pronto[- ]socorro\b", r"\bnaar de (spoedeisende|eerste) hulp\b", r"\bna pogotowie\b",
               r"\bacile (kald[ıi]r|götür)", r"\bвызва\w* скор", r"救急(車|搬送)", r"(送|去|进)(了)?急诊"],
    "personal_data": [r"\bgdpr\b", r"\bccpa\b", r"\blgpd\b", r"\brgpd\b", r"\bdsgvo\b", r"\brodo\b", r"\bkvkk\b",
                      r"\bright to (be forgotten|erasure)\b", r"\bsubject access request\b", r"\bdata subject\b",
                      r"\bdelete (all )?(my|our) (personal )?(data|information)\b", r"\bpersonal data\b",
                      # one's own data deleted or shown, in the languages triage reads
                      r"\b(elimin|borr|suprim)\w* (todos )?mis datos\b", r"\bderecho (de|al) (acceso|supresi[oó]n|olvido)\b",
                      r"\bsupprimer (toutes )?mes donn[ée]es\b", r"\bdroit (d'acc[èe]s|à l'oubli|à l'effacement|d'effacement)\b",
                      r"\bmeine (pers[öo]nlichen )?daten (zu )?l[öo]schen\b", r"\bl[öo]schung meiner (pers[öo]nlichen )?daten\b",
                      r"\bauskunftsersuchen\b", r"\bdatenauskunft\b", r"\b(apag|exclu|elimin)\w* (todos )?(os )?meus dados\b",
                      r"\bdireito (de|ao) (acesso|esquecimento|elimina)", r"\b(cancell|elimin)\w* (tutti )?i miei dati\b",
                      r"\bdiritto (di accesso|all'oblio|alla cancellazione)\b", r"\bmijn (persoons)?gegevens (te )?verwijderen\b",
                      r"\binzageverzoek\b", r"\busuni[eę](cie)? (moich|wszystkich moich) danych\b",
                      r"\bprawo do (bycia zapomnianym|usuni[eę]cia)\b", r"\bverilerimi(n)? (sil|imha)",
                      r"\bудал\w* (мои|все мои) (персональные )?данные\b", r"個人情報(を|の)(削除|開示)", r"删除我的(个人)?(数据|信息)"],
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
              r"\bwon'?t be renewing\b", r"\bterminate (our|the|my) (contract|subscription|account)\b",
              # not renewing, or leaving the service, said outright (cancelling one seat or one newsletter, or
              # asking what leaving early costs, is not: "cancel" alone stays the detector's to read)
              r"\bno (vamos a |voy a )?renovar\b", r"\bne (le |pas le |pas )?renouvel\w* pas\b", r"\bne pas renouveler\b",
              r"\bnicht (mehr )?verl[äa]ngern\b", r"\bn[ãa]o (vamos |vou )?renovar\b", r"\bnon (lo )?rinnover",
              r"\bniet (meer )?verlengen\b", r"\bnie (b[eę]dziemy )?przed[lł]u[żz]", r"\byenilemeyece[ğg]",
              r"\bне (будем|буду) продлевать\b", r"契約を更新しない", r"退会(したい|します|させ|を希望|希望|する(予定|つもり|こと))",
              r"不再续(费|约)", r"注销(账|帐)(号|户)", r"\byenilenmesin\b", r"\byenilemeyin\b",
              # a contract left to run out, or a move to the competition
              r"\bauslaufen (zu )?lassen\b", r"\b(lasse?|lassen) (ich|wir) (\w+ ){0,3}auslaufen\b",
              r"\bdejar (vencer|expirar) (el|mi|nuestro|la) (contrato|suscripci[oó]n|plan)", r"\blaisser expirer (le|mon|notre|l')",
              r"\blaten aflopen\b", r"\blasciar scadere\b", r"\bdeixar (expirar|vencer) (o|a) (contrato|assinatura|plano)",
              # (with a verb of going: "compared with the competition" is no move)
              r"\b(nos vamos|me voy|irnos|irme|pas[aá]rnos|pasarme|nos pasamos|me paso|cambiamos|migramos)\b (\w+ ){0,2}"
              r"(a|hacia) la competencia\b",
              r"\b(partir|partons|pars|passer|passons|passe|aller|allons|migrer|migrons)\b (\w+ ){0,2}(à|vers|chez) la concurrence\b",
              r"\b(wechs\w*|geh\w*|abwander\w*|gewechselt) (\w+ ){0,2}zur konkurrenz\b",
              r"\bzur konkurrenz (wechseln|gehen|abwandern|gewechselt|gegangen)\b",
              r"\b(ir|vamos|vou|mudar|mudamos|migrar|migramos|passar|passamos)\b (\w+ ){0,2}(para|pra) a concorr[êe]ncia\b",
              r"\b(passare|passiamo|passo|andare|andiamo|vado|migrare|migriamo)\b (\w+ ){0,2}alla concorrenza\b",
              r"\b(overstappen|stappen|stap|gaan|ga|vertrekken|vertrek)\b (\w+ ){0,2}naar de concurrent(ie)?\b",
              r"\b(przechodz|przejd|przenos|przenies|odchodz|odejd|przesz)\w* (\w+ ){0,2}do konkurencji\b",
              r"\brakip (firmaya|şirkete|uygulamaya) ge[çc]", r"\bк конкурентам\b", r"競合(他社)?(に|へ)(乗り換え|移行|移り)",
              r"(换|转)(到|投|用)?竞争对手", r"转投"],
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
