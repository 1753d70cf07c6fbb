"""Every string the bot shows, in English and Spanish (Telegram HTML).

``t(lang, key, **values)`` picks the language (falling back to English) and fills the
placeholders; values are HTML-escaped, so user input and theme names are always safe to show.
Values wrapped in :class:`Html` are inserted as they are (already-built markup).
"""

from __future__ import annotations

import html
from typing import Any

LANGUAGES = ("en", "es")


class Html(str):
    """A value that is already Telegram HTML and must not be escaped again."""


def language_of(code: str | None, default: str = "en") -> str:
    """A Telegram ``language_code`` (``es-MX``, ``en``…) → ``es`` or ``en``."""
    if not code:
        return default
    return "es" if code.lower().startswith("es") else "en"


def t(lang: str, key: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` with ``values`` escaped into its placeholders."""
    entry = TEXTS[key]
    template = entry.get(lang) or entry["en"]
    safe = {k: v if isinstance(v, Html) else html.escape(str(v), quote=False)
            for k, v in values.items()}
    return template.format(**safe)


def bad_arg(lang: str, problem: str, command: str, **values: Any) -> str:
    """The one-line reply to a bad argument: what was wrong, and an example of the right form."""
    problem_text = t(lang, problem, **values)
    return t(lang, "bad_arg", problem=Html(problem_text[:1].upper() + problem_text[1:]),
             example=example(lang, command))


# The command menu (setMyCommands), in the order users see it.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("latest", "Latest stories on your themes", "Últimas noticias de tus temas"),
    ("brief", "Your brief, right now", "Tu resumen, ahora mismo"),
    ("topic", "Latest stories on one theme", "Últimas noticias de un tema"),
    ("themes", "Choose your themes", "Elige tus temas"),
    ("track", "Track your own words", "Sigue tus propias palabras"),
    ("time", "When the daily brief arrives", "A qué hora llega el resumen"),
    ("timezone", "Your time zone", "Tu zona horaria"),
    ("alerts", "Real-time alerts on or off", "Alertas en tiempo real sí/no"),
    ("settings", "Show your settings", "Ver tu configuración"),
    ("language", "English or Spanish", "Inglés o español"),
    ("pause", "Pause the daily brief", "Pausar el resumen diario"),
    ("resume", "Resume the daily brief", "Reanudar el resumen diario"),
    ("help", "How to use the bot", "Cómo usar el bot"),
    ("stop", "Forget this chat", "Olvidar este chat"),
)

DESCRIPTION = {
    "en": (
        "borderbrief reads English and Spanish news about the U.S. and Mexico and sends you a "
        "daily brief on the themes you follow: sovereignty, fentanyl, tariffs, or your own "
        "words. Press Start to choose your themes."
    ),
    "es": (
        "borderbrief lee noticias en inglés y español sobre Estados Unidos y México y te envía "
        "un resumen diario de los temas que sigues: soberanía, fentanilo, aranceles o tus "
        "propias palabras. Pulsa Iniciar para elegir tus temas."
    ),
}
SHORT_DESCRIPTION = {
    "en": "Daily U.S.–Mexico news briefs on the themes you choose, in English and Spanish.",
    "es": "Resúmenes diarios de noticias México–EE. UU. sobre los temas que elijas.",
}

# Spanish spellings of the commands (the menu shows the English names in both languages).
ALIASES: dict[str, list[str]] = {
    "latest": ["ultimas"], "topic": ["tema"], "brief": ["resumen"], "themes": ["temas"],
    "subscribe": ["suscribir"], "unsubscribe": ["desuscribir"], "track": ["seguir"],
    "untrack": ["dejar"], "time": ["hora"], "timezone": ["zona"], "alerts": ["alertas"],
    "quiet": ["silencio"], "settings": ["ajustes"], "language": ["idioma"], "pause": ["pausa"],
    "resume": ["reanudar"], "channel": ["canal"], "stop": ["olvidar"], "help": ["ayuda"],
}

_HELP_EN = """<b>borderbrief</b> — U.S.–Mexico news on the themes you choose.

<b>Reading</b>
/latest — latest stories on your themes (<code>/latest 10</code>, up to 20)
/topic — latest on one theme, subscribed or not (<code>/topic tariffs 5</code>)
/brief — your brief now, as the daily one will read

<b>Themes</b>
/themes — switch themes on and off
/subscribe, /unsubscribe — by name (<code>/subscribe fentanyl tariffs</code>)
/track — your own theme (<code>/track wall "border wall" barrier* -paint</code>)
/untrack — remove one (<code>/untrack wall</code>)

<b>When</b>
/time — daily brief time (<code>/time 07:30</code>)
/timezone — your zone (<code>/timezone America/Mexico_City</code> or <code>/timezone UTC-6</code>)
/alerts — real-time alerts (<code>/alerts on</code>)
/quiet — alerts without sound at night (<code>/quiet 22:00-07:00</code>, <code>/quiet off</code>)
/pause, /resume — stop and restart the daily brief

<b>You</b>
/settings — everything above at a glance
/language — <code>/language es</code> para español
/channel — send briefs to your channel (<code>/channel add @mychannel</code>)
/channel time — its brief's time (<code>/channel time @mychannel 07:00 UTC-6</code>)
/stop — forget this chat and all its data
/start — the welcome and the theme picker again; /help — this list

In groups anyone can read; only administrators change settings."""

_HELP_ES = """<b>borderbrief</b> — noticias México–EE. UU. sobre los temas que elijas.

<b>Leer</b>
/latest — últimas noticias de tus temas (<code>/latest 10</code>, hasta 20)
/topic — lo último de un tema, lo sigas o no (<code>/topic aranceles 5</code>)
/brief — tu resumen ahora, tal como llegará el diario

<b>Temas</b>
/themes — activa y desactiva temas
/subscribe, /unsubscribe — por nombre (<code>/subscribe fentanilo aranceles</code>)
/track — un tema propio (<code>/track muro "muro fronterizo" barrera* -pintura</code>)
/untrack — quitar uno (<code>/untrack muro</code>)

<b>Cuándo</b>
/time — hora del resumen diario (<code>/time 07:30</code>)
/timezone — tu zona (<code>/timezone America/Mexico_City</code> o <code>/timezone UTC-6</code>)
/alerts — alertas en tiempo real (<code>/alerts on</code>)
/quiet — alertas sin sonido de noche (<code>/quiet 22:00-07:00</code>, <code>/quiet off</code>)
/pause, /resume — detener y reanudar el resumen diario

<b>Tú</b>
/settings — todo lo anterior de un vistazo
/language — <code>/language en</code> for English
/channel — envía resúmenes a tu canal (<code>/channel add @micanal</code>)
/channel time — la hora de su resumen (<code>/channel time @micanal 07:00 UTC-6</code>)
/stop — olvidar este chat y todos sus datos
/start — la bienvenida y el selector de temas otra vez; /help — esta lista

Los comandos también se escriben en español: {aliases}.

En grupos cualquiera puede leer; solo los administradores cambian la configuración."""
# Built from ALIASES so a new Spanish spelling is never missing from the help.
_HELP_ES = _HELP_ES.replace(
    "{aliases}", ", ".join(f"/{alias}" for names in ALIASES.values() for alias in names))

TEXTS: dict[str, dict[str, str]] = {
    "help": {"en": _HELP_EN, "es": _HELP_ES},
    "welcome": {
        "en": "Hello {name}! I'm <b>borderbrief</b>: I read English and Spanish news about the "
              "U.S. and Mexico and send you a brief every day at <b>{time}</b> ({tz}).\n\n"
              "Pick your themes below. /help shows everything I can do.",
        "es": "¡Hola {name}! Soy <b>borderbrief</b>: leo noticias en inglés y español sobre "
              "Estados Unidos y México y te envío un resumen cada día a las <b>{time}</b> "
              "({tz}).\n\nElige tus temas abajo. /help muestra todo lo que sé hacer.",
    },
    "welcome_back": {
        "en": "Welcome back, {name}. Your brief arrives at <b>{time}</b> ({tz}). "
              "Your themes:",
        "es": "Bienvenido de nuevo, {name}. Tu resumen llega a las <b>{time}</b> ({tz}). "
              "Tus temas:",
    },
    "group_hello": {
        "en": "Hello, {title}! I'll post a news brief here every day at <b>{time}</b> ({tz}). "
              "Administrators can pick the themes with /themes and the time with /time; "
              "anyone can ask for /latest. /help for more.",
        "es": "¡Hola, {title}! Publicaré aquí un resumen de noticias cada día a las "
              "<b>{time}</b> ({tz}). Los administradores eligen los temas con /themes y la hora "
              "con /time; cualquiera puede pedir /latest. /help para más.",
    },
    "picker_title": {
        "en": "Your themes — tap to switch one on or off:",
        "es": "Tus temas — toca uno para activarlo o desactivarlo:",
    },
    "picker_done": {"en": "Done", "es": "Listo"},
    "picker_closed": {
        "en": "Your themes: {themes}. Change them any time with /themes.",
        "es": "Tus temas: {themes}. Cámbialos cuando quieras con /themes.",
    },
    "toggled_on": {"en": "{theme}: on", "es": "{theme}: activado"},
    "toggled_off": {"en": "{theme}: off", "es": "{theme}: desactivado"},
    "no_themes": {"en": "none", "es": "ninguno"},
    "topic_pick": {"en": "Which theme?", "es": "¿Qué tema?"},
    "subscribed": {
        "en": "Subscribed: {themes}. Your themes now: {all}.",
        "es": "Suscrito: {themes}. Tus temas ahora: {all}.",
    },
    "already_subscribed": {
        "en": "You already follow {themes}.",
        "es": "Ya sigues {themes}.",
    },
    "unsubscribed": {
        "en": "Unsubscribed: {themes}. Your themes now: {all}.",
        "es": "Cancelado: {themes}. Tus temas ahora: {all}.",
    },
    "not_subscribed": {
        "en": "You don't follow {themes}.",
        "es": "No sigues {themes}.",
    },
    "latest_title": {"en": "Latest on your themes", "es": "Lo último de tus temas"},
    "topic_title": {"en": "Latest: {theme}", "es": "Lo último: {theme}"},
    "nothing_yet": {
        "en": "No stories on these themes yet — I'll have some after the next poll of the news "
              "feeds.",
        "es": "Aún no hay noticias de estos temas; habrá tras la próxima lectura de las fuentes.",
    },
    "nothing_new": {
        "en": "Nothing new on your themes since your last brief. /latest shows the most recent "
              "stories anyway.",
        "es": "Nada nuevo en tus temas desde tu último resumen. /latest muestra de todos modos "
              "las noticias más recientes.",
    },
    "no_themes_chosen": {
        "en": "You follow no themes yet. Pick some with /themes.",
        "es": "Aún no sigues ningún tema. Elige algunos con /themes.",
    },
    "time_set": {
        "en": "Done: your daily brief arrives at <b>{time}</b> ({tz}); the next one {next}.",
        "es": "Hecho: tu resumen diario llega a las <b>{time}</b> ({tz}); el próximo {next}.",
    },
    "timezone_set": {
        "en": "Time zone set to <b>{tz}</b>. Your brief arrives at {time} there; "
              "the next one {next}.",
        "es": "Zona horaria: <b>{tz}</b>. Tu resumen llega allí a las {time}; el próximo {next}.",
    },
    "next_on": {"en": "on {date} at {time}", "es": "el {date} a las {time}"},
    "next_today": {"en": "today at {time}", "es": "hoy a las {time}"},
    "next_tomorrow": {"en": "tomorrow at {time}", "es": "mañana a las {time}"},
    "alerts_on": {
        "en": "Real-time alerts are on (at most {per_hour} an hour).",
        "es": "Alertas en tiempo real activadas (como máximo {per_hour} por hora).",
    },
    "alerts_off": {
        "en": "Real-time alerts are off.",
        "es": "Alertas en tiempo real desactivadas.",
    },
    "paused": {
        "en": "Daily brief paused. /resume to get it again.",
        "es": "Resumen diario en pausa. /resume para recibirlo de nuevo.",
    },
    "already_paused": {
        "en": "The daily brief was already paused. /resume to get it again.",
        "es": "El resumen diario ya estaba en pausa. /resume para recibirlo de nuevo.",
    },
    "resumed": {
        "en": "Daily brief back on; the next one {next}.",
        "es": "Resumen diario reanudado; el próximo {next}.",
    },
    "language_set": {
        "en": "I'll speak English here.",
        "es": "Hablaré español aquí.",
    },
    "quiet_set": {
        "en": "Quiet hours {start}–{end} ({tz}): alerts then arrive without sound.",
        "es": "Horas de silencio {start}–{end} ({tz}): las alertas llegan sin sonido.",
    },
    "quiet_off": {
        "en": "Quiet hours off: alerts always make a sound.",
        "es": "Sin horas de silencio: las alertas siempre suenan.",
    },
    "stopped": {
        "en": "Done — I forgot this chat, its themes and settings. /start brings me back.",
        "es": "Hecho: olvidé este chat, sus temas y su configuración. /start para volver.",
    },
    "stop_unknown": {
        "en": "I keep nothing about this chat. /start to begin.",
        "es": "No guardo nada de este chat. /start para empezar.",
    },
    "not_registered": {
        "en": "This chat isn't set up yet: send /start first.",
        "es": "Este chat aún no está configurado: envía /start primero.",
    },
    "admins_only": {
        "en": "Only this group's administrators can change its settings.",
        "es": "Solo los administradores de este grupo pueden cambiar su configuración.",
    },
    "settings": {
        "en": "<b>Settings</b>\n"
              "Themes: {themes}\n"
              "Your own themes: {own}\n"
              "Daily brief: {brief}\n"
              "Time zone: {tz}\n"
              "Alerts: {alerts}\n"
              "Quiet hours: {quiet}\n"
              "Language: English",
        "es": "<b>Configuración</b>\n"
              "Temas: {themes}\n"
              "Tus temas propios: {own}\n"
              "Resumen diario: {brief}\n"
              "Zona horaria: {tz}\n"
              "Alertas: {alerts}\n"
              "Horas de silencio: {quiet}\n"
              "Idioma: español",
    },
    "settings_brief_on": {"en": "{time}, next {next}", "es": "{time}, próximo {next}"},
    "settings_brief_paused": {
        "en": "{time} — paused (/resume)",
        "es": "{time} — en pausa (/resume)",
    },
    "on": {"en": "on", "es": "activadas"},
    "off": {"en": "off", "es": "desactivadas"},
    "none": {"en": "none", "es": "ninguno"},
    "tracked": {
        "en": "Tracking <b>{name}</b>: {terms}. Its stories come with your brief and /latest.",
        "es": "Siguiendo <b>{name}</b>: {terms}. Sus noticias llegan con tu resumen y /latest.",
    },
    "track_updated": {
        "en": "Updated <b>{name}</b>: {terms}.",
        "es": "Actualizado <b>{name}</b>: {terms}.",
    },
    "track_list": {
        "en": "Your own themes ({count}/{cap}):\n{lines}\n\nRemove one with "
              "<code>/untrack NAME</code>.",
        "es": "Tus temas propios ({count}/{cap}):\n{lines}\n\nQuita uno con "
              "<code>/untrack NOMBRE</code>.",
    },
    "track_none": {
        "en": "You track no words of your own yet. Example: "
              "<code>/track wall \"border wall\" barrier* -paint</code>",
        "es": "Aún no sigues palabras propias. Ejemplo: "
              "<code>/track muro \"muro fronterizo\" barrera* -pintura</code>",
    },
    "untracked": {"en": "Stopped tracking <b>{name}</b>.", "es": "Dejé de seguir <b>{name}</b>."},
    "flood": {
        "en": "You're sending commands very fast; I'll pause for a minute before answering again.",
        "es": "Envías comandos muy rápido; esperaré un minuto antes de responder de nuevo.",
    },
    "error": {
        "en": "Sorry, something went wrong on my side. Please try again in a moment.",
        "es": "Lo siento, algo falló de mi lado. Inténtalo de nuevo en un momento.",
    },
    "unknown_command": {
        "en": "I don't know that command. /help lists what I can do.",
        "es": "No conozco ese comando. /help muestra lo que sé hacer.",
    },
    # Channels.
    "channel_added": {
        "en": "Channel <b>{title}</b> will get the daily brief at {time} ({tz}) on: {themes}. "
              "Change its themes with <code>/channel themes {ref} tariffs fentanyl</code>.",
        "es": "El canal <b>{title}</b> recibirá el resumen diario a las {time} ({tz}) sobre: "
              "{themes}. Cambia sus temas con <code>/channel themes {ref} aranceles</code>.",
    },
    "channel_themes_set": {
        "en": "Channel <b>{title}</b> now gets: {themes}.",
        "es": "El canal <b>{title}</b> ahora recibe: {themes}.",
    },
    "channel_time_set": {
        "en": "Channel <b>{title}</b> now gets its daily brief at <b>{time}</b> ({tz}); "
              "the next one {next}.",
        "es": "El canal <b>{title}</b> recibirá su resumen diario a las <b>{time}</b> ({tz}); "
              "el próximo {next}.",
    },
    "channel_removed": {
        "en": "Channel <b>{title}</b> removed; it gets no more briefs.",
        "es": "Canal <b>{title}</b> eliminado; ya no recibirá resúmenes.",
    },
    "channel_list": {
        "en": "Your channels:\n{lines}",
        "es": "Tus canales:\n{lines}",
    },
    "channel_list_empty": {
        "en": "You have no channels yet. Add me to your channel as an administrator, then send "
              "<code>/channel add @yourchannel</code>.",
        "es": "Aún no tienes canales. Añádeme a tu canal como administrador y envía "
              "<code>/channel add @tucanal</code>.",
    },
    "channel_private_only": {
        "en": "Set up channels in a private chat with me.",
        "es": "Configura los canales en un chat privado conmigo.",
    },
    "channel_not_found": {
        "en": "I can't see {ref}. Add me to the channel as an administrator first, then try "
              "again.",
        "es": "No encuentro {ref}. Primero añádeme al canal como administrador y vuelve a "
              "intentarlo.",
    },
    "channel_not_channel": {
        "en": "{ref} is not a channel. For groups, add me to the group and send /start there.",
        "es": "{ref} no es un canal. Para grupos, añádeme al grupo y envía /start allí.",
    },
    "channel_user_not_admin": {
        "en": "Only an administrator of {ref} can set it up, and you aren't one.",
        "es": "Solo un administrador de {ref} puede configurarlo, y tú no lo eres.",
    },
    "channel_bot_not_admin": {
        "en": "I'm not an administrator of {ref}: add me as an administrator who can post "
              "messages, then try again.",
        "es": "No soy administrador de {ref}: añádeme como administrador con permiso para "
              "publicar y vuelve a intentarlo.",
    },
    "channel_unknown": {
        "en": "{ref} isn't set up. <code>/channel list</code> shows your channels.",
        "es": "{ref} no está configurado. <code>/channel list</code> muestra tus canales.",
    },
    # Bad arguments: "<problem>. Example: <example>" in one line.
    "bad_arg": {
        "en": "⚠️ {problem}. Example: <code>{example}</code>",
        "es": "⚠️ {problem}. Ejemplo: <code>{example}</code>",
    },
    "err_count": {
        "en": "“{value}” is not a number from 1 to {max}",
        "es": "“{value}” no es un número del 1 al {max}",
    },
    "err_too_many_args": {
        "en": "too many arguments",
        "es": "demasiados argumentos",
    },
    "err_unknown_theme": {
        "en": "I don't know the theme “{value}”; the themes are: {valid}",
        "es": "No conozco el tema “{value}”; los temas son: {valid}",
    },
    "err_no_theme": {
        "en": "name at least one theme ({valid})",
        "es": "indica al menos un tema ({valid})",
    },
    "err_time": {
        "en": "“{value}” is not a time; use HH:MM in 24-hour form",
        "es": "“{value}” no es una hora; usa HH:MM en formato de 24 horas",
    },
    "err_time_missing": {
        "en": "give the time for your daily brief (now {current})",
        "es": "indica la hora de tu resumen diario (ahora {current})",
    },
    "err_timezone": {
        "en": "I don't know the time zone “{value}”; use Area/City or a UTC offset",
        "es": "No conozco la zona horaria “{value}”; usa Área/Ciudad o un desfase UTC",
    },
    "err_timezone_missing": {
        "en": "give your time zone (now {current})",
        "es": "indica tu zona horaria (ahora {current})",
    },
    "err_on_off": {
        "en": "say on or off",
        "es": "di on u off",
    },
    "err_language": {
        "en": "“{value}” is not a language I speak; choose en or es",
        "es": "“{value}” no es un idioma que hable; elige en o es",
    },
    "err_quiet": {
        "en": "“{value}” is not a range of hours; use HH:MM-HH:MM or off",
        "es": "“{value}” no es un rango de horas; usa HH:MM-HH:MM u off",
    },
    "err_quiet_same": {
        "en": "the start and end of quiet hours must differ",
        "es": "el inicio y el fin de las horas de silencio deben ser distintos",
    },
    "err_track_usage": {
        "en": "give a name and at least one term",
        "es": "indica un nombre y al menos un término",
    },
    "err_track_name": {
        "en": "“{value}” can't be a name; use up to 32 letters, digits, - or _",
        "es": "“{value}” no sirve como nombre; usa hasta 32 letras, dígitos, - o _",
    },
    "err_track_name_taken": {
        "en": "“{value}” is already a shared theme; pick another name",
        "es": "“{value}” ya es un tema común; elige otro nombre",
    },
    "err_track_terms": {
        "en": "those terms don't work: {reason}",
        "es": "esos términos no sirven: {reason}",
    },
    "err_track_cap": {
        "en": "you already track {cap} themes of your own; /untrack one first",
        "es": "ya sigues {cap} temas propios; quita uno con /untrack primero",
    },
    "err_untrack_missing": {
        "en": "name the theme to remove",
        "es": "indica el tema que quieres quitar",
    },
    "err_untrack_unknown": {
        "en": "you track nothing called “{value}”",
        "es": "no sigues nada llamado “{value}”",
    },
    "err_channel_usage": {
        "en": "use add, list, themes or remove, or time to set when its brief arrives",
        "es": "usa add, list, themes o remove, o time para la hora de su resumen",
    },
    "err_channel_time": {
        "en": "give the channel and the time (and, if you like, its time zone)",
        "es": "indica el canal y la hora (y, si quieres, su zona horaria)",
    },
    "err_channel_ref": {
        "en": "give the channel as @name or its numeric id",
        "es": "indica el canal como @nombre o su id numérico",
    },
}

# The right form of each command, shown after a bad argument.
EXAMPLES: dict[str, dict[str, str]] = {
    "latest": {"en": "/latest 10", "es": "/latest 10"},
    "topic": {"en": "/topic tariffs 5", "es": "/topic aranceles 5"},
    "subscribe": {"en": "/subscribe fentanyl tariffs", "es": "/subscribe fentanilo aranceles"},
    "unsubscribe": {"en": "/unsubscribe tariffs", "es": "/unsubscribe aranceles"},
    "time": {"en": "/time 07:30", "es": "/time 07:30"},
    "timezone": {"en": "/timezone America/Mexico_City", "es": "/timezone America/Mexico_City"},
    "alerts": {"en": "/alerts on", "es": "/alerts on"},
    "language": {"en": "/language es", "es": "/language en"},
    "quiet": {"en": "/quiet 22:00-07:00", "es": "/quiet 22:00-07:00"},
    "track": {"en": '/track wall "border wall" barrier* -paint',
              "es": '/track muro "muro fronterizo" barrera* -pintura'},
    "untrack": {"en": "/untrack wall", "es": "/untrack muro"},
    "channel": {"en": "/channel add @mychannel", "es": "/channel add @micanal"},
    "channel_themes": {"en": "/channel themes @mychannel tariffs fentanyl",
                       "es": "/channel themes @micanal aranceles fentanilo"},
    "channel_time": {"en": "/channel time @mychannel 07:00 America/Mexico_City",
                     "es": "/channel time @micanal 07:00 America/Mexico_City"},
    "pause": {"en": "/pause", "es": "/pause"},
    "resume": {"en": "/resume", "es": "/resume"},
    "brief": {"en": "/brief", "es": "/brief"},
    "settings": {"en": "/settings", "es": "/settings"},
    "stop": {"en": "/stop", "es": "/stop"},
}


def example(lang: str, command: str) -> str:
    entry = EXAMPLES[command]
    return entry.get(lang) or entry["en"]
