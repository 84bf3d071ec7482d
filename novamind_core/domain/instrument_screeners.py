"""Screening and outcome instruments beside PHQ-9, GAD-7 and ISI: the C-SSRS screener, PCL-5, AUDIT, AUDIT-C, MDQ,
WSAS and the Altman Self-Rating Mania Scale (ASRM), each with its published scoring, bands and sources.

Standard library only. :data:`SCREENER_SPECS` joins :data:`novamind_core.domain.instruments.INSTRUMENTS`; scoring is
:func:`novamind_core.domain.assessments.score_assessment` for every instrument. Where an instrument is not a plain
sum the spec says how (``total_rule``), and where the published verdict needs more than the total (MDQ, AUDIT-C) the
spec's ``screen_rule`` gives it in words. ``docs/science.md`` (instruments section) is the project summary.

Change statistics (SD, test-retest r) are left as None where this project has not adopted a published value; the
reliable change index is then not computed (never invented).

References
----------
Posner K, Brown GK, Stanley B, et al. The Columbia-Suicide Severity Rating Scale: initial validity and internal
consistency findings from three multisite studies with adolescents and adults. Am J Psychiatry 2011;168:1266-1277.
doi:10.1176/appi.ajp.2011.10111704 (screener with triage points: the Columbia Lighthouse Project's screen version).
Weathers FW, Litz BT, Keane TM, Palmieri PA, Marx BP, Schnurr PP. The PTSD Checklist for DSM-5 (PCL-5). National
Center for PTSD, 2013. Blevins CA, Weathers FW, Davis MT, Witte TK, Domino JL. J Trauma Stress 2015;28:489-498.
doi:10.1002/jts.22059. Bovin MJ, Marx BP, Weathers FW, et al. Psychol Assess 2016;28:1379-1391.
doi:10.1037/pas0000254
Babor TF, Higgins-Biddle JC, Saunders JB, Monteiro MG. AUDIT: The Alcohol Use Disorders Identification Test.
Guidelines for use in primary care, 2nd ed. WHO, 2001 (WHO/MSD/MSB/01.6a).
Bush K, Kivlahan DR, McDonell MB, Fihn SD, Bradley KA. The AUDIT alcohol consumption questions (AUDIT-C). Arch Intern
Med 1998;158:1789-1795. doi:10.1001/archinte.158.16.1789. Bradley KA, DeBenedetti AF, Volk RJ, et al. Alcohol Clin
Exp Res 2007;31:1208-1217. doi:10.1111/j.1530-0277.2007.00403.x
Hirschfeld RMA, Williams JBW, Spitzer RL, et al. Development and validation of a screening instrument for bipolar
spectrum disorder: the Mood Disorder Questionnaire. Am J Psychiatry 2000;157:1873-1875. doi:10.1176/appi.ajp.157.11.1873
Mundt JC, Marks IM, Shear MK, Greist JH. The Work and Social Adjustment Scale: a simple measure of impairment in
functioning. Br J Psychiatry 2002;180:461-464. doi:10.1192/bjp.180.5.461
Altman EG, Hedeker D, Peterson JL, Davis JM. The Altman Self-Rating Mania Scale. Biol Psychiatry 1997;42:948-955.
doi:10.1016/S0006-3223(96)00548-3
"""

from __future__ import annotations

from novamind_core.domain.instruments import (
    INSTRUMENTS,
    AnswerChoice,
    Instrument,
    InstrumentSpec,
    instrument_spec,
    instrument_table,
)

NO_YES: tuple[AnswerChoice, ...] = (AnswerChoice(0, "No"), AnswerChoice(1, "Yes"))

# ---------------------------------------------------------------------------------------------- C-SSRS screener
CSSRS_ITEMS: tuple[str, ...] = (
    "In the past month, have you wished you were dead or wished you could go to sleep and not wake up?",
    "In the past month, have you actually had any thoughts of killing yourself?",
    "Have you been thinking about how you might do this?",
    "Have you had these thoughts and had some intention of acting on them?",
    "Have you started to work out or worked out the details of how to kill yourself? Do you intend to carry out "
    "this plan?",
    "Have you ever done anything, started to do anything, or prepared to do anything to end your life?",
    "Was that (question 6) within the past 3 months?",
)
"""C-SSRS screener questions 1-6 and the timing of question 6 (Posner 2011; screen version with triage points)."""

CSSRS_LEVELS: tuple[str, ...] = ("none", "low", "moderate", "high")
"""Triage levels, the C-SSRS screener's "total" (0-3)."""


def cssrs_triage_level(answers: tuple[int, ...]) -> int:
    """The screener's triage level from its seven yes (1) / no (0) answers:

    * 3 **high**: intent (question 4), a plan with intent (5), or suicidal behaviour within the past 3 months (6 and 7);
    * 2 **moderate**: thoughts with a method (3), or suicidal behaviour more than 3 months ago (6 without 7);
    * 1 **low**: a wish to be dead (1) or non-specific thoughts of killing oneself (2);
    * 0 **none**: every answer no.

    Questions 3-5 are asked only after a yes to question 2; a yes there without one to question 2 still counts, so
    an inconsistent record errs towards the higher level. Question 7 counts only with a yes to question 6.
    """
    wish, thoughts, method, intent, plan, behaviour, recent = (bool(a) for a in answers[:7])
    if intent or plan or (behaviour and recent):
        return 3
    if method or behaviour:
        return 2
    if wish or thoughts:
        return 1
    return 0


# ---------------------------------------------------------------------------------------------- PCL-5
PCL5_ITEMS: tuple[str, ...] = (
    "Repeated, disturbing, and unwanted memories of the stressful experience",
    "Repeated, disturbing dreams of the stressful experience",
    "Suddenly feeling or acting as if the stressful experience were actually happening again (as if you were "
    "actually back there reliving it)",
    "Feeling very upset when something reminded you of the stressful experience",
    "Having strong physical reactions when something reminded you of the stressful experience (for example, heart "
    "pounding, trouble breathing, sweating)",
    "Avoiding memories, thoughts, or feelings related to the stressful experience",
    "Avoiding external reminders of the stressful experience (for example, people, places, conversations, "
    "activities, objects, or situations)",
    "Trouble remembering important parts of the stressful experience",
    "Having strong negative beliefs about yourself, other people, or the world",
    "Blaming yourself or someone else for the stressful experience or what happened after it",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame",
    "Loss of interest in activities that you used to enjoy",
    "Feeling distant or cut off from other people",
    "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving feelings "
    "for people close to you)",
    "Irritable behavior, angry outbursts, or acting aggressively",
    "Taking too many risks or doing things that could cause you harm",
    "Being “superalert” or watchful or on guard",
    "Feeling jumpy or easily startled",
    "Having difficulty concentrating",
    "Trouble falling or staying asleep",
)
"""PCL-5 items 1-20 (Weathers 2013; public domain, National Center for PTSD)."""

PCL5_CHOICES: tuple[AnswerChoice, ...] = (
    AnswerChoice(0, "Not at all"), AnswerChoice(1, "A little bit"), AnswerChoice(2, "Moderately"),
    AnswerChoice(3, "Quite a bit"), AnswerChoice(4, "Extremely"),
)

# ---------------------------------------------------------------------------------------------- AUDIT / AUDIT-C
AUDIT_ITEMS: tuple[str, ...] = (
    "How often do you have a drink containing alcohol?",
    "How many drinks containing alcohol do you have on a typical day when you are drinking?",
    "How often do you have six or more drinks on one occasion?",
    "How often during the last year have you found that you were not able to stop drinking once you had started?",
    "How often during the last year have you failed to do what was normally expected from you because of drinking?",
    "How often during the last year have you needed a first drink in the morning to get yourself going after a heavy "
    "drinking session?",
    "How often during the last year have you had a feeling of guilt or remorse after drinking?",
    "How often during the last year have you been unable to remember what happened the night before because you had "
    "been drinking?",
    "Have you or someone else been injured as a result of your drinking?",
    "Has a relative or friend or a doctor or another health worker been concerned about your drinking or suggested "
    "you cut down?",
)
"""AUDIT questions 1-10 (Babor 2001, WHO; public domain). AUDIT-C is questions 1-3 (Bush 1998)."""

_AUDIT_Q1 = (AnswerChoice(0, "Never"), AnswerChoice(1, "Monthly or less"), AnswerChoice(2, "2-4 times a month"),
             AnswerChoice(3, "2-3 times a week"), AnswerChoice(4, "4 or more times a week"))
_AUDIT_Q2 = (AnswerChoice(0, "1 or 2"), AnswerChoice(1, "3 or 4"), AnswerChoice(2, "5 or 6"),
             AnswerChoice(3, "7 to 9"), AnswerChoice(4, "10 or more"))
_AUDIT_FREQ = (AnswerChoice(0, "Never"), AnswerChoice(1, "Less than monthly"), AnswerChoice(2, "Monthly"),
               AnswerChoice(3, "Weekly"), AnswerChoice(4, "Daily or almost daily"))
_AUDIT_HARM = (AnswerChoice(0, "No"), AnswerChoice(2, "Yes, but not in the last year"),
               AnswerChoice(4, "Yes, during the last year"))
AUDIT_CHOICES: tuple[tuple[AnswerChoice, ...], ...] = (
    _AUDIT_Q1, _AUDIT_Q2, *(_AUDIT_FREQ,) * 6, _AUDIT_HARM, _AUDIT_HARM)

AUDITC_POSITIVE_MEN = 4
AUDITC_POSITIVE_WOMEN = 3
"""AUDIT-C positive screen: 4 or more in men, 3 or more in women (Bradley 2007)."""


def auditc_screen(answers: tuple[int, ...]) -> str:
    """The AUDIT-C verdict in words: the threshold depends on sex, which the questionnaire does not ask."""
    total = sum(answers[:3])
    if total >= AUDITC_POSITIVE_MEN:
        return f"positive screen (total {total}: at or above 4 for men and 3 for women)"
    if total >= AUDITC_POSITIVE_WOMEN:
        return f"positive screen for women, negative for men (total {total}: thresholds 3 and 4)"
    return f"negative screen (total {total}: below 3)"


# ---------------------------------------------------------------------------------------------- MDQ
MDQ_ITEMS: tuple[str, ...] = tuple(
    f"Has there ever been a period of time when you were not your usual self and {text}" for text in (
        "you felt so good or so hyper that other people thought you were not your normal self or you were so hyper "
        "that you got into trouble?",
        "you were so irritable that you shouted at people or started fights or arguments?",
        "you felt much more self-confident than usual?",
        "you got much less sleep than usual and found you didn't really miss it?",
        "you were much more talkative or spoke much faster than usual?",
        "thoughts raced through your head or you couldn't slow your mind down?",
        "you were so easily distracted by things around you that you had trouble concentrating or staying on track?",
        "you had much more energy than usual?",
        "you were much more active or did many more things than usual?",
        "you were much more social or outgoing than usual, for example, you telephoned friends in the middle of the "
        "night?",
        "you were much more interested in sex than usual?",
        "you did things that were unusual for you or that other people might have thought were excessive, foolish, or "
        "risky?",
        "spending money got you or your family into trouble?",
    ))
"""MDQ question 1, items a-m (Hirschfeld 2000); the total is the number answered yes (0-13)."""

MDQ_EXTRA_ITEMS: tuple[str, ...] = (
    "If you answered yes to more than one of the above, have several of these ever happened during the same period "
    "of time?",
    "How much of a problem did any of these cause you, like being unable to work; having family, money or legal "
    "troubles; getting into arguments or fights?",
)
MDQ_PROBLEM_CHOICES: tuple[AnswerChoice, ...] = (
    AnswerChoice(0, "No problem"), AnswerChoice(1, "Minor problem"), AnswerChoice(2, "Moderate problem"),
    AnswerChoice(3, "Serious problem"),
)
MDQ_MIN_SYMPTOMS = 7
"""Positive MDQ: at least 7 of 13 yes, several at the same time, and a moderate or serious problem (Hirschfeld 2000)."""


def mdq_screen(answers: tuple[int, ...]) -> str:
    """The MDQ verdict in words (Hirschfeld 2000): positive only when all three criteria hold."""
    symptoms = sum(answers[:13])
    together = len(answers) > 13 and answers[13] == 1
    problem = len(answers) > 14 and answers[14] >= 2
    if symptoms >= MDQ_MIN_SYMPTOMS and together and problem:
        return f"positive screen ({symptoms} of 13 yes, at the same time, moderate or serious problem)"
    missing = [w for ok, w in ((symptoms >= MDQ_MIN_SYMPTOMS, f"{symptoms} of 13 yes, fewer than 7"),
                               (together, "not at the same time"), (problem, "no more than a minor problem"))
               if not ok]
    return "negative screen (" + "; ".join(missing) + ")"


# ---------------------------------------------------------------------------------------------- WSAS
WSAS_ITEMS: tuple[str, ...] = (
    "Because of my problem my ability to work is impaired (0 if you are retired or not working for reasons "
    "unrelated to the problem)",
    "Because of my problem my home management (cleaning, tidying, shopping, cooking, looking after home or "
    "children, paying bills) is impaired",
    "Because of my problem my social leisure activities (with other people, such as parties, bars, clubs, outings, "
    "visits, dating, home entertaining) are impaired",
    "Because of my problem my private leisure activities (done alone, such as reading, gardening, collecting, sewing, "
    "walking alone) are impaired",
    "Because of my problem my ability to form and maintain close relationships with others, including those I live "
    "with, is impaired",
)
"""WSAS items 1-5 (Mundt 2002), each 0 (not at all impaired) to 8 (very severely impaired)."""

WSAS_CHOICES: tuple[AnswerChoice, ...] = (
    AnswerChoice(0, "0 Not at all"), AnswerChoice(1, "1"), AnswerChoice(2, "2 Slightly"), AnswerChoice(3, "3"),
    AnswerChoice(4, "4 Definitely"), AnswerChoice(5, "5"), AnswerChoice(6, "6 Markedly"), AnswerChoice(7, "7"),
    AnswerChoice(8, "8 Very severely"),
)

# ---------------------------------------------------------------------------------------------- ASRM
ASRM_ITEMS: tuple[str, ...] = (
    "Happiness or cheerfulness (positive mood)",
    "Self-confidence",
    "Sleep (need for sleep)",
    "Talking (speech)",
    "Activity",
)
"""ASRM items 1-5 (Altman 1997): each a choice of five statements about the past week, scored 0-4."""


def _asrm(*labels: str) -> tuple[AnswerChoice, ...]:
    return tuple(AnswerChoice(n, text) for n, text in enumerate(labels))


ASRM_CHOICES: tuple[tuple[AnswerChoice, ...], ...] = (
    _asrm("I do not feel happier or more cheerful than usual", "I occasionally feel happier or more cheerful than "
          "usual", "I often feel happier or more cheerful than usual", "I feel happier or more cheerful than usual "
          "most of the time", "I feel happier or more cheerful than usual all of the time"),
    _asrm("I do not feel more self-confident than usual", "I occasionally feel more self-confident than usual",
          "I often feel more self-confident than usual", "I feel more self-confident than usual most of the time",
          "I feel extremely self-confident all of the time"),
    _asrm("I do not need less sleep than usual", "I occasionally need less sleep than usual", "I often need less "
          "sleep than usual", "I frequently need less sleep than usual", "I can go all day and night without any "
          "sleep and still not feel tired"),
    _asrm("I do not talk more than usual", "I occasionally talk more than usual", "I often talk more than usual",
          "I frequently talk more than usual", "I talk constantly and cannot be interrupted"),
    _asrm("I have not been more active (socially, sexually, at work, home or school) than usual",
          "I have occasionally been more active than usual", "I have often been more active than usual",
          "I have frequently been more active than usual", "I am constantly more active or on the go all the time"),
)

SCREENER_SPECS: dict[Instrument, InstrumentSpec] = instrument_table(
    instrument_spec(
        Instrument.CSSRS, "Columbia-Suicide Severity Rating Scale, screener",
        reference="Posner K, Brown GK, Stanley B, et al. Am J Psychiatry 2011;168:1266-1277",
        stem="Ask questions 1 and 2. If the answer to 2 is yes, ask 3, 4 and 5; always ask 6 (and 7 after a yes "
             "to 6).",
        items=CSSRS_ITEMS, scale=NO_YES,
        bands=(("none", 0, 0, "No suicidal ideation or behaviour reported"),
               ("low", 1, 1, "Low risk: wish to be dead or thoughts of suicide without method, intent or plan"),
               ("moderate", 2, 2, "Moderate risk: thoughts with a method, or suicidal behaviour more than 3 months "
                                  "ago"),
               ("high", 3, 3, "High risk: intent, a plan with intent, or suicidal behaviour in the past 3 months")),
        bands_source="C-SSRS screen version with triage points (Columbia Lighthouse Project; Posner 2011): yes to "
        "1-2 low, yes to 3 or behaviour over 3 months ago moderate, yes to 4-5 or behaviour in 3 months high",
        remission=(None, "not applicable: a triage level, not a severity score"), mcid=(None, "not applicable"),
        total_rule=cssrs_triage_level, total_max=3, self_report=False,
    ),
    instrument_spec(
        Instrument.PCL5, "PTSD Checklist for DSM-5",
        reference="Weathers FW, et al. National Center for PTSD 2013; Blevins CA, et al. J Trauma Stress "
                  "2015;28:489-498",
        stem="In the past month, how much were you bothered by:",
        items=PCL5_ITEMS, scale=PCL5_CHOICES,
        bands=(("below cut-off", 0, 32, "Below the provisional PTSD cut-off"),
               ("probable PTSD", 33, 80, "Provisional PTSD (33 or more; confirm by interview)")),
        bands_source="Bovin 2016: cut-points 31-33 for probable PTSD; the National Center for PTSD suggests 33",
        remission=(32, "below the provisional cut-off of 33 (Bovin 2016)"),
        mcid=(10, "Weathers 2013 (National Center for PTSD): 5-10 points is reliable change, 10-20 points "
                  "clinically significant change"),
        test_retest=(0.82, "Blevins 2015: test-retest r 0.82 over about a week"),
    ),
    instrument_spec(
        Instrument.AUDIT, "Alcohol Use Disorders Identification Test",
        reference="Babor TF, Higgins-Biddle JC, Saunders JB, Monteiro MG. WHO 2001 (WHO/MSD/MSB/01.6a)",
        stem="One drink is one standard drink. Please answer about the last year.",
        items=AUDIT_ITEMS, scale=AUDIT_CHOICES, loinc=("72110-0", "75624-7"),
        bands=(("low risk", 0, 7, "Zone I: low-risk drinking or abstinence"),
               ("hazardous", 8, 15, "Zone II: hazardous drinking"),
               ("harmful", 16, 19, "Zone III: harmful drinking"),
               ("possible dependence", 20, 40, "Zone IV: possible alcohol dependence")),
        bands_source="Babor 2001 (WHO), Table 4: zones 0-7, 8-15, 16-19, 20-40",
        remission=(7, "zone I, low-risk drinking (Babor 2001)"), mcid=(None, "no published MCID adopted"),
    ),
    instrument_spec(
        Instrument.AUDITC, "AUDIT alcohol consumption questions",
        reference="Bush K, et al. Arch Intern Med 1998;158:1789-1795; Bradley KA, et al. Alcohol Clin Exp Res "
                  "2007;31:1208-1217",
        stem="One drink is one standard drink. Please answer about the last year.",
        items=AUDIT_ITEMS[:3], scale=AUDIT_CHOICES[:3], loinc=("72109-2", "75626-2"),
        bands=(("negative", 0, 2, "Negative screen"),
               ("positive (women)", 3, 3, "Positive screen for women (3 or more); below the threshold for men (4)"),
               ("positive", 4, 12, "Positive screen (4 or more; 3 or more for women)")),
        bands_source="Bradley 2007: positive at 4 or more in men and 3 or more in women",
        remission=(2, "below the positive threshold for women and men (Bradley 2007)"),
        mcid=(None, "no published MCID adopted"), screen_rule=auditc_screen,
    ),
    instrument_spec(
        Instrument.MDQ, "Mood Disorder Questionnaire",
        reference="Hirschfeld RMA, Williams JBW, Spitzer RL, et al. Am J Psychiatry 2000;157:1873-1875",
        stem="Please answer each question as best you can.",
        items=MDQ_ITEMS, scale=NO_YES,
        bands=(("fewer than 7", 0, 6, "Fewer than 7 of 13 symptoms (negative screen)"),
               ("7 or more", 7, 13, "7 or more of 13 symptoms (positive only with clustering and a moderate or "
                                    "serious problem)")),
        bands_source="Hirschfeld 2000: 7 or more of 13 yes, several at the same time, moderate or serious problem",
        remission=(None, "not applicable: a lifetime screen"), mcid=(None, "not applicable: a lifetime screen"),
        extra_items=MDQ_EXTRA_ITEMS, extra_choices=(NO_YES, MDQ_PROBLEM_CHOICES), extra_items_required=True,
        screen_rule=mdq_screen,
    ),
    instrument_spec(
        Instrument.WSAS, "Work and Social Adjustment Scale",
        reference="Mundt JC, Marks IM, Shear MK, Greist JH. Br J Psychiatry 2002;180:461-464",
        stem="Rate each statement from 0 (not at all impaired) to 8 (very severely impaired).",
        items=WSAS_ITEMS, scale=WSAS_CHOICES,
        bands=(("subclinical", 0, 9, "Subclinical impairment"),
               ("significant", 10, 20, "Significant functional impairment"),
               ("moderately severe", 21, 40, "Moderately severe or worse impairment")),
        bands_source="Mundt 2002: above 20 moderately severe or worse, 10-20 significant impairment with less severe "
        "symptoms, below 10 subclinical",
        remission=(9, "subclinical band, below 10 (Mundt 2002)"), mcid=(None, "no published MCID adopted"),
        test_retest=(0.73, "Mundt 2002: test-retest r 0.73"),
    ),
    instrument_spec(
        Instrument.ASRM, "Altman Self-Rating Mania Scale",
        reference="Altman EG, Hedeker D, Peterson JL, Davis JM. Biol Psychiatry 1997;42:948-955",
        stem="Choose the one statement in each group that best describes the way you have been feeling for the past "
             "week.",
        items=ASRM_ITEMS, scale=ASRM_CHOICES,
        bands=(("below cut-off", 0, 5, "Below the cut-off for mania or hypomania"),
               ("possible mania", 6, 20, "6 or more: high probability of mania or hypomania")),
        bands_source="Altman 1997: a total of 6 or more (sensitivity 85.5%, specificity 87.3%)",
        remission=(5, "below the cut-off of 6 (Altman 1997)"), mcid=(None, "no published MCID adopted"),
    ),
)
"""The step-15 instruments, keyed by :class:`Instrument`."""

INSTRUMENTS.update(SCREENER_SPECS)
