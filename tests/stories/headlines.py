"""Labelled news reports: each event told by several outlets, in the way each outlet tells it.

Written after real coverage of these U.S.-Mexico events (2025). Reports of one event must form
one story; reports of different events must not, even on the same theme and the same day.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Report:
    event: str
    outlet: str
    language: str
    title: str
    summary: str


def _r(event: str, outlet: str, language: str, title: str, summary: str) -> Report:
    return Report(event, outlet, language, title, summary)


REPORTS: tuple[Report, ...] = (
    # --- Feb 3: tariffs paused, troops to the border --------------------------------------
    _r("troops-deal", "Reuters", "en",
       "Trump pauses Mexico tariffs for a month after Sheinbaum agrees to send 10,000 troops",
       "U.S. President Donald Trump agreed on Monday to pause the 25% tariffs on Mexican "
       "imports for one month after Mexican President Claudia Sheinbaum pledged to deploy "
       "10,000 National Guard troops to the border to stop the flow of fentanyl."),
    _r("troops-deal", "AP", "en",
       "Mexico to send 10,000 troops to U.S. border in deal to delay Trump's tariffs",
       "Mexico will immediately send 10,000 National Guard troops to the U.S. border after "
       "President Claudia Sheinbaum reached a deal with President Donald Trump to pause "
       "tariffs on Mexican goods for a month."),
    _r("troops-deal", "CNN", "en",
       "Trump agrees to one-month pause on Mexico tariffs as Mexico deploys troops to border",
       "President Donald Trump on Monday agreed to a one-month pause on the 25% tariffs on "
       "Mexico after Mexico's president said she would send 10,000 troops to the border."),
    _r("troops-deal", "El Universal", "es",
       "Sheinbaum y Trump acuerdan pausa de un mes a los aranceles; México enviará 10 mil "
       "elementos de la Guardia Nacional a la frontera",
       "La presidenta Claudia Sheinbaum informó que tras una llamada con Donald Trump se "
       "acordó pausar por un mes los aranceles del 25% y reforzar la frontera norte con 10 "
       "mil elementos de la Guardia Nacional para evitar el tráfico de fentanilo."),
    _r("troops-deal", "Milenio", "es",
       "Trump pausa aranceles a México por un mes tras acuerdo con Sheinbaum",
       "Estados Unidos pospone por un mes la aplicación de aranceles del 25% a productos "
       "mexicanos; México desplegará 10 mil elementos de la Guardia Nacional en la frontera."),
    # --- Feb 19: cartels designated as terrorist organisations ---------------------------
    _r("fto-designation", "Reuters", "en",
       "US designates Sinaloa Cartel, other Mexican cartels as foreign terrorist organizations",
       "The U.S. State Department designated eight criminal groups, including Mexico's "
       "Sinaloa Cartel and Jalisco New Generation Cartel, as foreign terrorist organizations."),
    _r("fto-designation", "Fox News", "en",
       "Trump administration officially designates Mexican cartels as terrorist organizations",
       "The State Department formally designated six Mexican drug cartels and two other "
       "criminal groups as foreign terrorist organizations, fulfilling a Trump executive order."),
    _r("fto-designation", "Récord", "es",
       "EE.UU designa a cárteles mexicanos como grupos terroristas",
       "El gobierno de Estados Unidos designó oficialmente a seis cárteles mexicanos, entre "
       "ellos el Cártel de Sinaloa y el Cártel Jalisco Nueva Generación, como organizaciones "
       "terroristas extranjeras."),
    _r("fto-designation", "Diario de Sonora", "es",
       "Estados Unidos designa oficialmente a cárteles mexicanos como organizaciones "
       "terroristas",
       "El Departamento de Estado publicó la designación de ocho grupos criminales, seis de "
       "ellos cárteles mexicanos, como organizaciones terroristas extranjeras."),
    # --- Mar 4: 25% tariffs take effect ------------------------------------------------------
    _r("tariffs-effect", "BBC", "en",
       "Trump's 25% tariffs on Mexico and Canada take effect",
       "Sweeping 25% tariffs on imports from Mexico and Canada came into force on Tuesday, "
       "along with a further 10% on Chinese goods, as Trump blamed fentanyl and migration."),
    _r("tariffs-effect", "Al Jazeera", "en",
       "US tariffs on Canada, Mexico and China take effect as trade war escalates",
       "Tariffs of 25% on goods from Mexico and Canada took effect at midnight, and China "
       "announced retaliatory tariffs on U.S. farm products."),
    _r("tariffs-effect", "El Financiero", "es",
       "Entran en vigor los aranceles de 25% de Trump a México y Canadá",
       "Los aranceles de 25% a las importaciones de México y Canadá entraron en vigor este "
       "martes, además de un 10% adicional a productos de China."),
    _r("tariffs-effect", "Expansión", "es",
       "Aranceles del 25% a México y Canadá entran en vigor; China responde con represalias",
       "Estados Unidos aplicó aranceles de 25% a México y Canadá; China anunció aranceles "
       "de represalia a productos agrícolas estadounidenses."),
    # --- Nov 18: Sheinbaum rejects strikes ----------------------------------------------------
    _r("rejects-strikes", "Reuters", "en",
       "Mexico's Sheinbaum rejects any US military intervention after Trump strike remarks",
       "Mexican President Claudia Sheinbaum on Tuesday rejected any U.S. military "
       "intervention on Mexican soil after Donald Trump said he would be open to strikes on "
       "drug cartels in Mexico."),
    _r("rejects-strikes", "Bloomberg", "en",
       "Sheinbaum says US military intervention in Mexico 'is not going to happen'",
       "Mexico's president dismissed the idea of U.S. strikes against cartels on Mexican "
       "territory, saying such an intervention is not going to happen."),
    _r("rejects-strikes", "Clic Noticias", "es",
       "Sheinbaum rechaza intervención militar de EE.UU. en México",
       "En la conferencia matutina de este 18 de noviembre, la presidenta Claudia Sheinbaum "
       "volvió a cerrar la puerta a cualquier intervención militar de Estados Unidos en "
       "territorio mexicano contra cárteles: eso no va a ocurrir."),
    _r("rejects-strikes", "La Jornada", "es",
       "No habrá intervención militar de Estados Unidos en México, afirma Sheinbaum",
       "La presidenta Claudia Sheinbaum rechazó que vaya a ocurrir una intervención militar "
       "estadounidense contra los cárteles en territorio mexicano, luego de declaraciones de "
       "Donald Trump sobre posibles ataques."),
    # --- Oct 30: fentanyl tariffs on China cut ---------------------------------------------
    _r("china-cut", "CNBC", "en",
       "Trump cuts fentanyl tariffs on China to 10% after meeting Xi",
       "President Donald Trump said he would reduce the fentanyl-related tariffs on Chinese "
       "imports to 10% from 20% after talks with Xi Jinping in South Korea."),
    _r("china-cut", "Jointearn", "en",
       "Trump Reduces Fentanyl-Related Tariffs to 10% After Talks with China's Xi Jinping",
       "After meeting Xi Jinping, Trump announced the fentanyl tariffs on China would be "
       "lowered from 20% to 10% in exchange for action on precursor chemicals."),
    _r("china-cut", "El País", "es",
       "Trump rebaja al 10% los aranceles a China por el fentanilo tras reunirse con Xi",
       "El presidente Donald Trump anunció que reducirá del 20% al 10% los aranceles "
       "impuestos a China por el fentanilo, tras su reunión con Xi Jinping en Corea del Sur."),
    # --- Sep 10: Mexico's tariffs on Chinese cars -----------------------------------------
    _r("china-cars", "Automotive World", "en",
       "Mexico proposes tariffs of up to 50% on cars from China",
       "Mexico's government proposed raising tariffs to as much as 50% on cars and auto "
       "parts imported from China and other Asian countries without trade agreements."),
    _r("china-cars", "InvestingLive", "en",
       "Mexico to impose 50% tariff on Chinese cars in budget proposal",
       "Mexico's 2026 budget proposal includes tariffs of up to 50% on imports of Chinese "
       "cars, part of a package covering 1,400 tariff lines from Asian countries."),
    _r("china-cars", "El Economista", "es",
       "México propone aranceles de hasta 50% a autos de China",
       "El gobierno de México propuso aranceles de hasta 50% a automóviles importados de "
       "China y otros países asiáticos con los que no tiene tratado comercial."),
    # --- Nogales seizure ----------------------------------------------------------------------
    _r("nogales-seizure", "Border Report", "en",
       "CBP officers seize 1 million fentanyl pills at Nogales port of entry",
       "Officers at the Nogales port of entry seized more than 1 million fentanyl pills "
       "hidden in a tractor-trailer, the largest such seizure at the Arizona crossing."),
    _r("nogales-seizure", "KOLD", "en",
       "More than a million fentanyl pills seized at Nogales port",
       "U.S. Customs and Border Protection officers found more than a million fentanyl "
       "pills in a truck at the Nogales port of entry, officials said."),
    _r("nogales-seizure", "El Imparcial", "es",
       "Aseguran más de un millón de pastillas de fentanilo en Nogales",
       "Agentes de CBP aseguraron más de un millón de pastillas de fentanilo ocultas en un "
       "tractocamión en la garita de Nogales, Arizona."),
    # --- water treaty tariff threat ------------------------------------------------------------
    _r("water-threat", "Sourcing Journal", "en",
       "Trump Threatens Mexico With Additional Tariffs Amid Water Dispute",
       "Trump threatened new tariffs and sanctions on Mexico, accusing it of failing to "
       "deliver water owed to Texas under a 1944 treaty."),
    _r("water-threat", "Fizoti", "en",
       "Trump Threatens Mexico Over Water Deal",
       "President Trump said Mexico was violating the 1944 water treaty and threatened "
       "tariffs and sanctions unless it delivers water to Texas farmers."),
    _r("water-threat", "Proceso", "es",
       "Trump amenaza a México con aranceles por el tratado de aguas de 1944",
       "Donald Trump acusó a México de incumplir el tratado de aguas de 1944 y amenazó con "
       "aranceles y sanciones si no entrega agua a Texas."),
    # --- 29 narcos sent to the U.S. -------------------------------------------------------------
    _r("transfer-29", "NBC News", "en",
       "Mexico sends 29 cartel figures including Caro Quintero to the U.S.",
       "Mexico transferred 29 drug cartel figures to the United States, among them Rafael "
       "Caro Quintero, wanted for the 1985 killing of a DEA agent."),
    _r("transfer-29", "Infobae", "es",
       "México envía a 29 narcotraficantes a Estados Unidos, entre ellos Caro Quintero",
       "El gobierno de México trasladó a 29 narcotraficantes a Estados Unidos, entre ellos "
       "Rafael Caro Quintero, buscado por el asesinato de un agente de la DEA en 1985."),
)  # fmt: skip

EVENTS = sorted({r.event for r in REPORTS})
