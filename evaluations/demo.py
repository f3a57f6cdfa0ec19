"""Demo records of the evaluations app: the seed report's 2024 self-evaluation.

As stated by the report: the 18-row table and its scores (决策 30, 过程 24, 产出 25,
效益 16, total 95, 优), the outputs (80 consultations, 3 publicity events, 12 approvals,
95% rates; 85 home visits, 65 files, 5 cases, 9 events, about 1800 person-times, 55
media reports, satisfaction above 90%), the three problems with their causes and the
four recommendations, and the report's narrative. Figures the records supply (budget,
payments, deductions, execution rate, assessment score) are not typed into the
narrative: the generated report takes them from the records. The report's own 94.31% is
recorded as a stated figure, so the evaluation flags that the records give 93.20%.

Illustrative (the report gives none): the dates it was submitted and approved (the
approval stores its snapshot and report as of 2024-12-31), the output targets (the report says the targets
were met or exceeded; the demo sets targets at or below the actuals accordingly), the
owners and deadlines of the rectifications, and the reasoning text of each score.

The tables below are data, one tuple a record, and the loader hands each field to its
service by keyword, one a line: rows and calls read alike because the records do.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from contracts.demo import DISABILITY, SOCIAL_AFFAIRS
from evaluations import cycle, services
from evaluations.indicators import SEED_TEMPLATE
from evaluations.models import (
    Evaluation,
    EvaluationRow,
    Finding,
    IndicatorTemplate,
    OutputIndicator,
    PerformanceTarget,
    Rectification,
    Source,
    StatedFigure,
)

TITLE = "2024 年购买社工服务项目支出绩效评价"
# ILLUSTRATIVE: the report is undated; the demo drafts, submits and approves it at the
# year's end, and its history is dated so.
DRAFTED_ON = datetime.date(2024, 12, 20)
SUBMITTED_ON = datetime.date(2024, 12, 27)
APPROVED_ON = datetime.date(2024, 12, 31)
# The 2024 targets' approval (not in the seed: illustrative).
TARGETS_APPROVED_ON = datetime.date(2024, 1, 20)

NARRATIVE = {
    "background": (
        "文件依据为《关于加强专业社会工作人才队伍建设的实施意见》（深盐民〔2018〕3号）及《深圳市关于提升"
        "社会工作服务水平的若干措施》（深府办规〔2020〕11号）。2020年，市政府印发《深圳市提升社会工作服务"
        "水平若干措施的通知》，通知指出，稳步发展社会福利、社会救助、慈善事业、社区建设、婚姻家庭、精神卫生、"
        "残障康复、教育辅导、就业援助、职工帮扶、犯罪预防、禁毒戒毒、矫治帮教、卫生健康、纠纷调解、应急处置"
        "等16个领域社会工作服务。项目预算主要用于发放项目人员工资及督导费、业务活动费、人员培训费等其他经费。"
    ),
    "purpose": (
        "绩效评价对象和范围：2024年度社会事务及福利保障社工服务项目、助残社工项目。\n"
        "对社工服务项目年度绩效指标达成情况、年度及中长期目标达成情况评价目的如下：一是分析购买社工项目专项"
        "资金产出和效益；二是发现预算绩效编制及项目实施过程中存在的问题，在之后工作中不断调整完善，提高预算"
        "绩效编制和项目实施质量；三是根据绩效评价结果，为今后申请资金提供决策参考，进一步提高资金的使用效益"
        "及配置效率，实现财政资源配置效益与效率最大化。"
    ),
    "method": (
        "1. 绩效评价原则。绩效评价坚持科学规范和绩效相关原则。要求绩效评价严格遵循既定程序，科学可行；"
        "要求支出与其产出之间有紧密相关关系。\n"
        "2. 评价指标体系。评价指标体系从决策（项目立项、绩效目标、资金投入）、过程（资金管理、组织实施）、"
        "产出（产出数量、质量、时效）、效益（项目效益）四个方面设定。\n"
        "3. 评价方法。一是行为导向型比较法，结合实际工作，将项目实施情况同评价标准比较进行评分，得出总分结果"
        "比较。二是结果导向型目标管理法，结合日常管理及第三方专业机构出具的项目质量评估报告，分析项目实际产出"
        "与效益，评价目标完成情况。\n"
        "4. 评价标准。计划标准——以预先制定的目标、计划、预算、定额的计划标准作为评价标准。"
    ),
    "process": (
        "首先开始前期准备工作，确定评价的目的、原则、指标体系、方法、标准等，根据项目的内容和特征制定了评价"
        "指标体系及评价标准；然后，结合日常管理及第三方专业机构出具的项目质量评估报告，对比实际工作，按照绩效"
        "评价指标评分表，逐项进行分析并打分；最后汇总评价结果，形成评价结论，总结经验做法，提出存在问题及剖析原因。"
    ),
    "conclusion": (
        "结合日常管理及第三方专业机构出具项目质量评估报告，2024年通过购买社工项目，协助我局做好辖区长者、"
        "残疾人、低保及边缘弱势群体的社会福利服务，完成项目合同规定服务计划及工作内容，年度目标均已完成。\n"
        "综上，从行为导向来看，项目的实施与指标标准基本符合。从结果导向来看，项目年度目标已达成，并且向中长期"
        "目标逐步迈进。"
    ),
    "decision_analysis": (
        "1. 项目立项：根据《关于加强专业社会工作人才队伍建设的实施意见》（深盐民〔2018〕3号）及《深圳市关于"
        "提升社会工作服务水平的若干措施》（深府办规〔2020〕11号）等文件要求，设立政府购买社会事务及福利保障"
        "社工服务项目、助残社工服务项目，通过核定社工项目人员数量及职级情况，确定采购标准及预算申报，按照规定"
        "的程序申请设立，符合相关政策要求。\n"
        "2. 绩效目标：项目设定了中长期目标和年度目标，从项目合同完成情况、目标达成情况、产生社会效益等方面设立，"
        "较充分体现了中长期及年度目标完成情况。\n"
        "3. 资金投入：预算额度测算严格按照市、区社工薪酬标准，根据岗位社工购买标准、项目社工人数、职级情况等进行"
        "测算，资金额度与年度目标相适应，预算编制科学、合理。预算资金根据各项目实际需要分配。"
    ),
    "process_analysis": (
        "组织实施：我局已制定《盐田区民政局购买社工服务项目采购及日常管理工作暂行办法》《盐田区民政局考勤工作"
        "暂行规定》《盐田区民政局请休假制度》，社工项目人员分别分配至各科室开展工作，均严格按照以上制度管理人员，"
        "并监督社工机构执行好社工人员管理，将“双重管理”落实到位。"
    ),
    "benefit_analysis": (
        "1. 社会事务及福利保障社工服务项目。项目在养老、低保、社会救助等领域引入专业化社会工作理念方法，在服务"
        "过程中通过收集梳理民生诉求，提出政策建议等方式，协助相关政策更好落地，有效搭建政府部门与民政服务对象的"
        "桥梁，增强基层民政服务能力，提升人民群众的获得感与幸福感。\n"
        "2. 助残社工服务项目。根据残疾人及其家庭的情况及需求，提供针对性的社工专业服务（咨询建档、上门探访，以及"
        "个案辅导，小组及社区活动），帮助残疾人及其家庭减轻压力，激发潜能、增强社会功能，发掘和调动支持网络。"
        "助残项目团队通过开展残疾人主题服务类活动等服务方式，在深圳商报、盐田网、深圳市残疾人联合网等线上媒体"
        "推送活动报道，带动更多的力量关注和参与到残疾人事业中来，倡导社会各界对残障人士的关爱，营造良好的扶残"
        "助残社会环境，促进了残健共融。"
    ),
    "experience": (
        "一是随着社会经济的发展、人民生活水平的提高和政府职能的转变，广大群众对政府公共服务要求也在不断提高、"
        "对社会服务的需求也越来越多样化。通过购买不同民政领域的项目，创新工作方法，引入社会工作的专业方法和理念，"
        "在服务过程中通过收集梳理民生诉求，提出政策建议等方式，协助相关政策更好落地，增强基层民政服务能力，提升"
        "服务效能。例如，在长者助餐、居家养老项目运营过程中，积极指导社区加大政策宣传，做好政策解释，为辖区老人"
        "提供更加专业服务。\n"
        "二是开展残疾人社会心理服务。针对残疾人及其家属的心理健康需求，共开展 2 场心理健康服务团体活动，约 60 人次"
        "参与。开展“表达性艺术亲子工作坊”和“植物理疗师”——盐康中心园艺心理治愈社会心理服务活动，活动结束后，"
        "90%的服务对象都表示，开展此类新颖、有趣的心理治疗方式，比普通的心理健康讲座更有吸引力，同时活动帮助服务"
        "对象释放情感、提高自我意识，达到很好的心理舒缓作用。依托盐康中心“精神疗愈”以及“盐田区特殊儿童家长关爱"
        "支持”项目，针对性采购了心理咨询服务以及心理团辅活动，也为服务对象提高其心理变化、生活环境等方面的适应"
        "能力提供更专业的服务。\n"
        "三是坚持“内需+外延”同频共振，搭建就业平台。开展“盐康同行促就业”——手工穿戴甲技能培训项目，结合陪伴"
        "残疾儿童来进行少儿康复的全职妈妈的就业能力和意愿，利用零碎时间，进行穿戴甲制作，并链接市场进行有效销售，"
        "同时延展至其它全职妈妈开展服务，截止 2024 年，已为 70 多位服务对象开展了专业的手工穿戴甲培训，有 10 位"
        "服务对象固定投入生产并实现创收，共发放 1.47 万元劳务费用。"
    ),
}

# order of the seed table → (score, evidence); the reasoning text is illustrative.
SCORES = {
    1: ("5", "依据深盐民〔2018〕3号、深府办规〔2020〕11号立项，符合部门职责。"),
    2: ("5", "按规定程序申请设立，核定社工人数及职级后确定采购标准。"),
    3: ("5", "设定了中长期目标和年度目标，与项目实际相符。"),
    4: ("5", "绩效指标从合同完成、目标达成、社会效益等方面设立，可衡量。"),
    5: ("5", "按市、区社工薪酬标准及岗位购买标准测算预算。"),
    6: ("5", "预算资金根据各项目实际需要分配。"),
    9: ("5", "专项审计、评估报告显示经费使用基本符合合同约定，扣减与审计报告一致。"),
    10: ("5", "已制定购买社工服务项目采购及日常管理、考勤、请休假等制度。"),
    11: ("5", "社工人员按制度实行“双重管理”。"),
    13: ("5", "咨询问题解决率、业务审批准确率、政策知晓率均为 95%。"),
    14: ("5", "第三方评估中服务对象和购买单位满意度评价均为优秀。"),
    16: ("5", "社会事务项目社工变动 3 人，影响部分服务效能。"),
    17: ("5", "非户籍残疾人参与率偏低，宣传覆盖面有限。"),
    18: ("6", "活动反馈表显示服务对象满意度平均达到 90% 以上。"),
}
# The scores the report gave the rows the records compute, and the report's reasoning.
# Where the records compute another score, the demo records the report's as an override
# with that reason; the computed value itself is never touched.
# - 预算执行率: the report gave 4 of 5; the records compute 5 × 93.20% = 4.66.
# - 完成及时性: the report gave 5 of 5 (指标值“当年完成”, “年度目标均已完成”); the records
#   compute it from the installments due in 2024 (7 of 8 paid by their due date: the
#   社会事务 2024年8-12月 second installment is late) and from the outputs' dates (the
#   report gives none, so no output counts): 5 × 87.50% = 4.38.
REPORT_SCORES = {
    Source.EXECUTION_RATE: (
        "4",
        "按自评报告评分：项目支出进度落后，2024年8-12月合同第二期款延迟支付，扣 1 分。",
    ),
    Source.TIMELINESS: (
        "5",
        "按自评报告评分：项目“完成项目合同规定服务计划及工作内容，年度目标均已完成”，"
        "符合指标值“当年完成”；第二期款延迟支付已在预算执行率中扣分，此处不重复扣分。",
    ),
}

OUTPUTS = [
    # project, name, kind, unit, comparator, target, actual
    (SOCIAL_AFFAIRS, "咨询服务", "quantity", "次", "gte", "80", "80"),
    (SOCIAL_AFFAIRS, "宣传活动", "quantity", "场", "gte", "3", "3"),
    (
        SOCIAL_AFFAIRS,
        "业务审批（高龄津贴、重大疾病救助、居家养老等）",
        "quantity",
        "次",
        "gte",
        "12",
        "12",
    ),
    (SOCIAL_AFFAIRS, "咨询问题解决率", "rate", "%", "gte", "95", "95"),
    (SOCIAL_AFFAIRS, "业务审批准确率", "rate", "%", "gte", "95", "95"),
    (SOCIAL_AFFAIRS, "政策知晓率", "rate", "%", "gte", "95", "95"),
    (DISABILITY, "入户走访", "quantity", "人次", "gte", "80", "85"),
    (DISABILITY, "建档", "quantity", "人次", "gte", "60", "65"),
    (DISABILITY, "个案管理", "quantity", "个", "gte", "5", "5"),
    (DISABILITY, "残疾人主题类活动", "quantity", "场", "gte", "8", "9"),
    (DISABILITY, "累计服务", "quantity", "人次", "about", "1800", "1800"),
    (DISABILITY, "媒体活动报道", "quantity", "篇", "gte", "50", "55"),
    (DISABILITY, "服务对象满意度", "satisfaction", "%", "gte", "90", "90"),
]

# The rectification the provider itself must carry out, shown in its portal (ILLUSTRATIVE:
# the report names who acts only as the bureau's sections).
PROVIDER_RECTIFICATIONS = {"做好人员管理工作，尽量保持服务人员稳定性。"}


def _addressee(recommendation: str, project):
    """The provider a demo recommendation is addressed to (its project's award's), or None."""
    if recommendation not in PROVIDER_RECTIFICATIONS:
        return None
    award = project.awards.select_related("provider").first()
    return award.provider if award else None


FINDINGS = [
    (
        SOCIAL_AFFAIRS,
        "协助政府提供民政服务的效能有待提升。2024 年全年社会事务及福利保障社工服务项目社工变动 3 人，影响部分服务效能。",
        "社工人员流动，岗位衔接不足。",
        [("做好人员管理工作，尽量保持服务人员稳定性。", "社会事务科", datetime.date(2025, 6, 30))],
    ),
    (
        DISABILITY,
        "残疾人活动的宣传力度仍显不足，宣传覆盖面存在较大局限性，尤其在社区和小组活动中表现突出。活动参与者中户籍"
        "残疾人占据了绝大多数比例，而非户籍残疾人的参与率明显偏低。",
        "宣传渠道较为单一，主要依赖于社区街道微信群；宣传内容缺乏针对性，未能充分考虑非户籍残疾人的信息获取习惯"
        "和实际需求，制约了残疾人服务的整体质量和社会融合效果。",
        [
            (
                "拓宽宣传渠道，提升信息触达率。多元化传播方式，除传统的社区公告栏外，充分利用微信公众号、短视频平台等新"
                "媒体渠道进行宣传，确保信息覆盖不同年龄段和媒介使用习惯的残疾人群体。",
                "区残联、助残项目组",
                datetime.date(2025, 6, 30),
            ),
            (
                "优化活动设计，降低参与门槛。在活动宣传和报名环节明确标注“不限户籍”，避免非户籍残疾人因误解政策而放弃参与。",
                "区残联、助残项目组",
                datetime.date(2025, 3, 31),
            ),
        ],
    ),
    (
        SOCIAL_AFFAIRS,
        "项目支出进度落后。社会事务及福利保障社工服务项目 2024 年 8-12 月合同第二期款延迟付款，影响支付进度。",
        "服务机构提交资料不及时导致财务封账。",
        [
            (
                "根据项目进展督促服务机构及时提交资料，按时支付相应款项。",
                "社会事务科、财务",
                datetime.date(2025, 1, 31),
            )
        ],
    ),
]


def load(context: dict) -> dict:
    bureau = context["bureau"]
    staff, manager = context["users"]["staff"], context["users"]["manager"]
    projects = context["projects"]

    for order, (project_name, name, kind, unit, comparator, target, actual) in enumerate(
        OUTPUTS, start=1
    ):
        project = projects[project_name]
        if not OutputIndicator.objects.filter(project=project, year=2024, name=name).exists():
            services.output_save(
                actor=staff,
                project=project,
                year=2024,
                order=order,
                name=name,
                kind=kind,
                unit=unit,
                comparator=comparator,
                target=Decimal(target),
                actual=Decimal(actual),
            )

    # The 2024 performance targets, declared from these outputs and the template and
    # approved in January (the seed does not date them: illustrative), so a monitoring
    # round can be opened on the demo at once.
    for project in projects.values():
        if not PerformanceTarget.objects.filter(project=project, year=2024).exists():
            target = cycle.target_declare(actor=staff, project=project, year=2024)
            cycle.target_approve(actor=manager, target=target, on=TARGETS_APPROVED_ON)

    evaluation = Evaluation.objects.filter(bureau=bureau, year=2024, title=TITLE).first()
    if evaluation is None:
        evaluation = _create(bureau, staff, manager, projects)
        _date_history(evaluation)
    return {**context, "evaluation": evaluation}


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _date_history(evaluation: Evaluation) -> None:
    """Enter the evaluation's history on its 2024 days, as if it had been kept then: what
    was written while loading (outputs, the draft, its scores, findings) on DRAFTED_ON;
    the submission and the approval are dated by the services already."""
    entered_now = {"history_date__gt": _at(APPROVED_ON + datetime.timedelta(days=1))}
    project_ids = [p.pk for p in evaluation.projects.all()]
    finding_ids = list(evaluation.findings.values_list("pk", flat=True))
    for records in (
        Evaluation.history.filter(id=evaluation.pk),
        EvaluationRow.history.filter(evaluation_id=evaluation.pk),
        StatedFigure.history.filter(evaluation_id=evaluation.pk),
        Finding.history.filter(evaluation_id=evaluation.pk),
        Rectification.history.filter(finding_id__in=finding_ids),
        OutputIndicator.history.filter(project_id__in=project_ids, year=evaluation.year),
    ):
        records.filter(**entered_now).update(history_date=_at(DRAFTED_ON))
    Evaluation.objects.filter(pk=evaluation.pk).update(computed_at=_at(DRAFTED_ON))
    EvaluationRow.objects.filter(evaluation=evaluation, computed_at__isnull=False).update(
        computed_at=_at(DRAFTED_ON)
    )


def _create(bureau, staff, manager, projects) -> Evaluation:
    evaluation = services.evaluation_create(
        actor=staff,
        bureau=bureau,
        year=2024,
        title=TITLE,
        kind=Evaluation.Kind.SELF,
        template=IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
        projects=[projects[SOCIAL_AFFAIRS], projects[DISABILITY]],
    )
    services.evaluation_update(actor=staff, evaluation=evaluation, **NARRATIVE)
    services.stated_figure_set(
        actor=staff,
        evaluation=evaluation,
        key="execution_rate",
        value=Decimal("94.31"),
        source="自评报告“一、基本情况”及“四、（二）资金到位率及预算执行率”",
    )
    for row in evaluation.rows.order_by("order"):
        if row.order in SCORES:
            score, evidence = SCORES[row.order]
            services.row_score(
                actor=staff,
                row=row,
                score=Decimal(score),
                evidence=evidence,
                actual_value=row.target_value,
            )
        elif row.source in REPORT_SCORES:
            score, reason = REPORT_SCORES[row.source]
            if Decimal(score) != row.computed_score:
                services.row_score(
                    actor=staff, row=row, score=Decimal(score), override_reason=reason
                )
    for order, (project_name, problem, cause, recommendations) in enumerate(FINDINGS, start=1):
        finding = services.finding_save(
            actor=staff,
            evaluation=evaluation,
            order=order,
            project=projects[project_name],
            problem=problem,
            cause=cause,
        )
        for index, (text, owner, due) in enumerate(recommendations, start=1):
            services.rectification_save(
                actor=staff,
                finding=finding,
                order=index,
                recommendation=text,
                owner=owner,
                due_date=due,
                provider=_addressee(text, projects[project_name]),
            )
    services.evaluation_transition(
        actor=staff, evaluation=evaluation, to_status=Evaluation.Status.SUBMITTED, on=SUBMITTED_ON
    )
    # The approval stores the snapshot and the report, dated as the approval was.
    services.evaluation_transition(
        actor=manager, evaluation=evaluation, to_status=Evaluation.Status.APPROVED, on=APPROVED_ON
    )
    return evaluation
