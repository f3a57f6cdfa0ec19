"""The indicator tables and grade bands the product ships with, as data.

Installed by migration 0002; bureaus may add their own templates in the admin.

- The seed's table: the 18 rows of the 2024 self-evaluation of 盐田区民政局 (决策 30,
  过程 25, 产出 25, 效益 20).
- The Ministry of Finance framework's default for a department evaluation (财预〔2020〕10号,
  附件《项目支出绩效评价指标体系框架（参考）》), with weights chosen so that 产出 + 效益
  carry 65 (the Ministry asks for at least 60 in department and finance evaluations).
- The Ministry's grade bands (优 ≥ 90, 良 80-89.x, 中 60-79.x, 差 < 60) and the Shenzhen
  social-work assessment bands with the same cut-offs (优秀/良好/合格/不合格).
"""

from decimal import Decimal

MOF_SCALE = "财政部绩效评价等级"
SHENZHEN_SCALE = "深圳市社会工作服务评估等级"

GRADE_SCALES = {
    MOF_SCALE: [("优", "90", None), ("良", "80", "90"), ("中", "60", "80"), ("差", "0", "60")],
    SHENZHEN_SCALE: [
        ("优秀", "90", None),
        ("良好", "80", "90"),
        ("合格", "60", "80"),
        ("不合格", "0", "60"),
    ],
}

SEED_TEMPLATE = "政府购买社工服务项目绩效评价指标（盐田区2024年）"
MOF_TEMPLATE = "项目支出绩效评价指标体系框架（财预〔2020〕10号）"

# A row of a table: level1, level2, level3, content, target value, weight, source.
ROW_FIELDS = ("level1", "level2", "level3", "content", "target_value", "weight", "source")

# The seed's table adapts the Ministry's framework below, so the two share indicators word
# for word: each is kept as published, not derived from the other.
SEED_ROWS = [
    (
        "决策",
        "项目立项",
        "立项依据充分性",
        "项目立项是否符合法律法规、相关政策、发展规划以及部门职责。",
        "充分",
        "5",
        "manual",
    ),
    (
        "决策",
        "项目立项",
        "立项程序规范性",
        "项目申请、设立过程是否符合相关要求。",
        "规范",
        "5",
        "manual",
    ),
    (
        "决策",
        "绩效目标",
        "绩效目标合理性",
        "项目所设定的绩效目标是否依据充分，是否符合客观实际。",
        "合理",
        "5",
        "manual",
    ),
    (
        "决策",
        "绩效目标",
        "绩效指标明确性",
        "依据绩效目标设定的绩效指标是否清晰、细化、可衡量等。",
        "明确",
        "5",
        "manual",
    ),
    (
        "决策",
        "资金投入",
        "预算编制科学性",
        "项目预算编制是否经过科学论证、有明确标准，资金额度与年度目标是否相适应。",
        "科学",
        "5",
        "manual",
    ),
    (
        "决策",
        "资金投入",
        "资金分配合理性",
        "项目预算资金分配是否有测算依据，是否合理。",
        "合理",
        "5",
        "manual",
    ),
    (
        "过程",
        "资金管理",
        "资金到位率",
        "实际到位资金与预算资金的比率。",
        "100%",
        "5",
        "funds_in_place",
    ),
    (
        "过程",
        "资金管理",
        "预算执行率",
        "项目预算资金是否按照计划执行。",
        "100%",
        "5",
        "execution_rate",
    ),
    (
        "过程",
        "资金管理",
        "资金使用合规性",
        "项目资金使用是否符合相关的财务管理制度规定。",
        "合规",
        "5",
        "manual",
    ),
    (
        "过程",
        "组织实施",
        "管理制度健全性",
        "项目实施单位的财务和业务管理制度是否健全。",
        "健全",
        "5",
        "manual",
    ),
    ("过程", "组织实施", "制度执行有效性", "项目实施是否符合相关管理规定。", "有效", "5", "manual"),
    (
        "产出",
        "产出数量",
        "项目合同及服务计划指标完成数量",
        "项目实施的实际产出数，用以考核项目产出数量目标的实现程度。",
        "100%",
        "10",
        "output_quantity",
    ),
    (
        "产出",
        "产出质量",
        "项目合同及服务计划指标完成质量",
        "项目完成的质量达标产出数与实际产出数的比率。",
        "100%",
        "5",
        "manual",
    ),
    ("产出", "产出质量", "服务内容的满意度", "", "≥ 85%", "5", "manual"),
    (
        "产出",
        "产出时效",
        "完成及时性",
        "项目实际完成时间与计划完成时间的比较。",
        "当年完成",
        "5",
        "timeliness",
    ),
    (
        "效益",
        "项目效益",
        "社会效益",
        "项目实施所产生的效益。",
        "提升政府民政服务效能",
        "7",
        "manual",
    ),
    (
        "效益",
        "项目效益",
        "社会效益",
        "项目实施所产生的效益。",
        "社会各界对残疾人的认知度和关爱度",
        "7",
        "manual",
    ),
    ("效益", "满意度", "服务对象满意度", "服务对象满意度。", "≥ 90%", "6", "manual"),
]

MOF_ROWS = [
    (
        "决策",
        "项目立项",
        "立项依据充分性",
        "项目立项是否符合法律法规、相关政策、发展规划以及部门职责，用以反映和考核项目立项依据情况。",
        "充分",
        "3",
        "manual",
    ),
    (
        "决策",
        "项目立项",
        "立项程序规范性",
        "项目申请、设立过程是否符合相关要求，用以反映和考核项目立项的规范情况。",
        "规范",
        "2",
        "manual",
    ),
    (
        "决策",
        "绩效目标",
        "绩效目标合理性",
        "项目所设定的绩效目标是否依据充分，是否符合客观实际，用以反映和考核项目绩效目标与项目实施的相符情况。",
        "合理",
        "3",
        "manual",
    ),
    (
        "决策",
        "绩效目标",
        "绩效指标明确性",
        "依据绩效目标设定的绩效指标是否清晰、细化、可衡量等，用以反映和考核项目绩效目标的明细化情况。",
        "明确",
        "2",
        "manual",
    ),
    (
        "决策",
        "资金投入",
        "预算编制科学性",
        "项目预算编制是否经过科学论证、有明确标准，资金额度与年度目标是否相适应。",
        "科学",
        "3",
        "manual",
    ),
    (
        "决策",
        "资金投入",
        "资金分配合理性",
        "项目预算资金分配是否有测算依据，与补助单位或地方实际是否相适应。",
        "合理",
        "2",
        "manual",
    ),
    (
        "过程",
        "资金管理",
        "资金到位率",
        "实际到位资金与预算资金的比率，用以反映和考核资金落实情况对项目实施的总体保障程度。",
        "100%",
        "3",
        "funds_in_place",
    ),
    (
        "过程",
        "资金管理",
        "预算执行率",
        "项目预算资金是否按照计划执行，用以反映或考核项目预算执行情况。",
        "100%",
        "5",
        "execution_rate",
    ),
    (
        "过程",
        "资金管理",
        "资金使用合规性",
        "项目资金使用是否符合相关的财务管理制度规定，用以反映和考核项目资金的规范运行情况。",
        "合规",
        "4",
        "manual",
    ),
    (
        "过程",
        "组织实施",
        "管理制度健全性",
        "项目实施单位的财务和业务管理制度是否健全，用以反映和考核财务和业务管理制度对项目顺利实施的保障情况。",
        "健全",
        "3",
        "manual",
    ),
    (
        "过程",
        "组织实施",
        "制度执行有效性",
        "项目实施是否符合相关管理规定，用以反映和考核相关管理制度的有效执行情况。",
        "有效",
        "5",
        "manual",
    ),
    (
        "产出",
        "产出数量",
        "实际完成率",
        "项目实施的实际产出数与计划产出数的比率，用以反映和考核项目产出数量目标的实现程度。",
        "100%",
        "10",
        "output_quantity",
    ),
    (
        "产出",
        "产出质量",
        "质量达标率",
        "项目完成的质量达标产出数与实际产出数的比率，用以反映和考核项目产出质量目标的实现程度。",
        "100%",
        "10",
        "manual",
    ),
    (
        "产出",
        "产出时效",
        "完成及时性",
        "项目实际完成时间与计划完成时间的比较，用以反映和考核项目产出时效目标的实现程度。",
        "按期完成",
        "5",
        "timeliness",
    ),
    (
        "产出",
        "产出成本",
        "成本节约率",
        "完成项目计划工作目标的实际节约成本与计划成本的比率，用以反映和考核项目的成本节约程度。",
        "≥ 0",
        "5",
        "manual",
    ),
    ("效益", "项目效益", "经济效益", "项目实施所产生的经济效益。", "", "5", "manual"),
    ("效益", "项目效益", "社会效益", "项目实施所产生的社会效益。", "", "10", "manual"),
    ("效益", "项目效益", "生态效益", "项目实施所产生的生态效益。", "", "5", "manual"),
    (
        "效益",
        "项目效益",
        "可持续影响",
        "项目实施对人、自然、资源是否带来可持续影响。",
        "",
        "5",
        "manual",
    ),
    (
        "效益",
        "满意度",
        "服务对象满意度",
        "社会公众或服务对象对项目实施效果的满意程度。",
        "≥ 90%",
        "10",
        "manual",
    ),
]

TEMPLATES = {
    SEED_TEMPLATE: (
        "盐田区民政局 2024 年购买社工服务项目支出绩效评价报告所用的评分表（18 项）。",
        SEED_ROWS,
    ),
    MOF_TEMPLATE: (
        "财政部项目支出绩效评价指标体系框架（参考），用于部门评价；产出与效益合计 65 分。",
        MOF_ROWS,
    ),
}


def install(apps) -> None:
    """Create the grade scales and templates that are missing (for the data migration)."""
    GradeScale = apps.get_model("evaluations", "GradeScale")
    GradeBand = apps.get_model("evaluations", "GradeBand")
    IndicatorTemplate = apps.get_model("evaluations", "IndicatorTemplate")
    TemplateRow = apps.get_model("evaluations", "TemplateRow")
    for name, bands in GRADE_SCALES.items():
        scale, created = GradeScale.objects.get_or_create(name=name)
        if created:
            for label, lower, upper in bands:
                GradeBand.objects.create(
                    scale=scale,
                    label=label,
                    lower=Decimal(lower),
                    upper=Decimal(upper) if upper is not None else None,
                )
    for name, (description, rows) in TEMPLATES.items():
        template, created = IndicatorTemplate.objects.get_or_create(
            name=name, defaults={"description": description}
        )
        if created:
            for order, row in enumerate(rows, start=1):
                fields = dict(zip(ROW_FIELDS, row, strict=True))
                fields["weight"] = Decimal(fields["weight"])
                TemplateRow.objects.create(template=template, order=order, **fields)
