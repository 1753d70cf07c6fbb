"""The words that say nothing, and the EN<->ES words of this news that mean the same thing.

Used by ``briefings.stories.words`` to turn a headline into content tokens that match across
English and Spanish reports of one event.
"""

from __future__ import annotations

_STOP_EN = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers him his how i if in into is it its itself just me more most my
no nor not now of off on once only or other our out over own same she should so some such than
that the their them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your says said say told tells
new after amid over via could may might must would according report reports reported
claudia donald
"""
_STOP_ES = """
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el
ella ellas ellos en entre era es esa ese eso esta estaba estado estan este esto estos fue fueron
ha han hasta hay la las le les lo los mas me mi mientras muy ni no nos o otra otro para pero poco
por porque que quien se ser si sin sino sobre su sus tambien tanto te tiene todo tras tu un una
uno unos y ya dijo dice segun afirma asegura senala informa ser sera seria este esta sido
"""
STOP_WORDS = frozenset(_STOP_EN.split()) | frozenset(_STOP_ES.split())

# EN<->ES words of this domain, keyed by word prefix, mapped to one shared token. Words whose
# 6-letter stems already agree (intervención/intervention, militar/military, cártel/cartel,
# fentanilo/fentanyl, terroristas/terrorist) need no entry.
GLOSSARY: dict[str, str] = {
    # trade
    "arancel": "tariff", "tariff": "tariff", "gravamen": "tariff", "duties": "tariff",
    "acero": "steel", "steel": "steel", "aluminio": "alumin", "aluminum": "alumin",
    "aluminium": "alumin", "importac": "import", "importa": "import", "import": "import",
    "exportac": "export", "exporta": "export", "export": "export", "comercio": "trade",
    "comercial": "trade", "trade": "trade", "represali": "retali", "retaliat": "retali",
    "revision": "review", "review": "review", "impuesto": "tax", "tax": "tax",
    "usmca": "usmca", "tmec": "usmca", "t-mec": "usmca", "tlcan": "nafta", "nafta": "nafta",
    "automovil": "car", "autos": "car", "cars": "car", "vehicul": "car", "vehicle": "car",
    "tomate": "tomato", "tomato": "tomato", "maiz": "corn", "corn": "corn", "agua": "water",
    "water": "water",
    # security and sovereignty
    "soberan": "sovereign", "sovereign": "sovereign", "ataque": "strike", "attack": "strike",
    "strike": "strike", "bombarde": "strike", "dron": "drone", "drone": "drone",
    "tropa": "troops", "troop": "troops", "soldado": "troops", "soldier": "troops",
    "elemento": "troops", "guardia": "guard", "guard": "guard", "frontera": "border",
    "fronteriz": "border", "border": "border", "amenaz": "threat", "threat": "threat",
    "rechaz": "reject", "reject": "reject", "descart": "reject",
    "acuerd": "deal", "acord": "deal", "agree": "deal", "pacto": "deal", "deal": "deal",
    "pausa": "pause", "pause": "pause", "suspend": "pause", "pospon": "pause",
    "postpon": "pause", "delay": "pause", "aplaz": "pause", "designa": "design",
    "designat": "design", "gobierno": "govern", "govern": "govern", "negocia": "negoti",
    "negotia": "negoti", "talks": "negoti", "platica": "negoti", "dialogo": "negoti",
    "secretari": "secret", "secretary": "secret", "canciller": "foreign_min",
    "invasion": "invasi", "invadir": "invasi", "invade": "invasi", "narcotrafic": "drug_traf",
    "drogas": "drug", "droga": "drug", "drug": "drug", "narcotic": "drug", "narcotico": "drug",
    "nacion": "nation", "nation": "nation", "mes": "month", "meses": "month",
    "month": "month", "enviar": "send", "envia": "send", "enviara": "send", "send": "send",
    "sends": "send", "sent": "send", "traslad": "send", "transfer": "send",
    "desplieg": "deploy", "desplega": "deploy", "deploy": "deploy", "trafic": "traffic",
    "traffick": "traffic", "traffic": "traffic", "agente": "agent", "agent": "agent",
    "officer": "agent", "oficial": "agent", "propon": "propos", "propus": "propos",
    "propos": "propos", "reduc": "reduce", "rebaj": "reduce", "cut": "reduce", "lower": "reduce",
    "vigor": "in_force", "effect": "in_force", "tratado": "treaty",
    "treaty": "treaty", "sancion": "sanction", "sanction": "sanction", "millon": "million",
    "million": "million", "garita": "port_entry", "camion": "truck", "tractocamion": "truck",
    "truck": "truck", "trailer": "truck", "oculta": "hidden", "hidden": "hidden",
    "grupo": "group", "group": "group", "criminal": "crimin", "extranjer": "foreign",
    "foreign": "foreign", "departamento": "department", "department": "department",
    "estado": "state", "asesinato": "killing", "killing": "killing",
    "murder": "killing", "buscado": "wanted", "wanted": "wanted", "territori": "territ",
    "suelo": "soil", "soil": "soil", "cerca": "near", "reunion": "meeting",
    "meeting": "meeting", "reunirse": "meeting", "anunci": "announ",
    "announc": "announ", "productos": "goods", "goods": "goods", "autopart": "car_part",
    "pais": "country", "paises": "country", "country": "country", "countries": "country",
    "asiatic": "asia", "asia": "asia", "agricol": "farm", "texas": "texas",
    "advert": "warn", "advier": "warn", "warn": "warn", "accion": "action", "action": "action",
    "segurid": "securi", "secur": "securi", "creciente": "rising", "rising": "rising",
    "acusa": "accuse", "accus": "accuse", "incumpl": "violate", "violat": "violate",
    "failing": "violate", "entreg": "deliver", "deliver": "deliver",
    # seizures and harm
    "incauta": "seize", "decomis": "seize", "aseguramient": "seize", "seiz": "seize",
    "confisca": "seize", "pastilla": "pill", "pildora": "pill", "pill": "pill",
    "libras": "pound", "pound": "pound", "sobredosis": "overdos", "overdos": "overdos",
    "muerte": "death", "death": "death", "muerto": "death", "dead": "death",
    "precursor": "precur",
    # places and people
    "eeuu": "usa", "eua": "usa", "estadounidens": "usa", "american": "usa", "america": "usa",
    "washington": "usa", "mexican": "mexico", "mexico": "mexico", "canad": "canada",
    "chin": "china", "panam": "panama", "groenland": "greenland", "greenland": "greenland",
    "presiden": "presid", "mandatari": "presid", "cartel": "cartel",
    # weekdays and months
    "lunes": "d_mon", "monday": "d_mon", "martes": "d_tue", "tuesday": "d_tue",
    "miercoles": "d_wed", "wednesday": "d_wed", "jueves": "d_thu", "thursday": "d_thu",
    "viernes": "d_fri", "friday": "d_fri", "sabado": "d_sat", "saturday": "d_sat",
    "domingo": "d_sun", "sunday": "d_sun", "enero": "m_01", "january": "m_01",
    "febrero": "m_02", "february": "m_02", "marzo": "m_03", "march": "m_03", "abril": "m_04",
    "april": "m_04", "junio": "m_06", "june": "m_06", "julio": "m_07",
    "july": "m_07", "agosto": "m_08", "august": "m_08", "septiembre": "m_09",
    "september": "m_09", "octubre": "m_10", "october": "m_10", "noviembre": "m_11",
    "november": "m_11", "diciembre": "m_12", "december": "m_12",
}  # fmt: skip
GLOSSARY_LENGTHS = sorted({len(k) for k in GLOSSARY}, reverse=True)
# Whole words only: as prefixes these would swallow unrelated words ("met" → "meth",
# "methamphetamine"; "farm" → "farmacia"; "force" → "forces"; "state" → "statement").
# Spanish "mayo" is left out: in this news it is as often "El Mayo" Zambada as the month.
GLOSSARY_WORDS: dict[str, str] = {
    "met": "meeting", "farm": "farm", "farms": "farm", "force": "in_force",
    "state": "state", "states": "state",
}  # fmt: skip

# Word pairs that different outlets spell apart, joined into one word before stemming.
JOIN: dict[tuple[str, str], str] = {
    ("estados", "unidos"): "usa", ("united", "states"): "usa", ("ee", "uu"): "usa",
    ("u", "s"): "usa", ("t", "mec"): "usmca", ("casa", "blanca"): "whitehouse",
    ("white", "house"): "whitehouse", ("por", "ciento"): "%", ("per", "cent"): "%",
}  # fmt: skip
SAME: dict[str, str] = {"percent": "%", "eeuu": "usa", "eua": "usa", "tmec": "usmca"}
THOUSAND = frozenset({"mil", "thousand"})
