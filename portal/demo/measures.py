"""Demo progress of the plan's 37 measures, reported by their lead bureaus through the same service as
live work, each report at its own past moment. Every note says it is demo data."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.actors import Actor
from portal.clock import COUNTY_TZ, as_of, now
from portal.measures import queries
from portal.measures.models import MeasureProgress, Milestone
from portal.measures.services import report

DEMO = "（演示数据）"

# measure no → reports, oldest first: (days ago, status, percent, note). Measures not listed have never
# reported; a last report more than 30 days ago puts the measure on the supervisor's start page.
REPORTS: dict[int, list[tuple[int, str, int, str]]] = {
    1: [(80, "in_progress", 30, "政务服务事项“全程网办”清单梳理完毕，可全程网办事项占比62%。"),
        (12, "in_progress", 65, "电子证照共享清单上线，首批23类证照可在窗口调用。")],
    2: [(90, "in_progress", 50, "企业开办“一表填报”系统上线，公章刻制、发票申领并入一网通办。"),
        (20, "done", 100, "企业开办全程网办、一窗通办全面推行，新办企业免费领取税务Ukey。")],
    3: [(75, "in_progress", 40, "施工许可实行一站式办理，清单制+告知承诺制在3个项目试行。"),
        (25, "in_progress", 60, "工程建设项目全流程审批平均用时降至96个工作日，距90个工作日目标仍有差距。"),
        (6, "behind", 65, "简易低风险项目审批平均21个工作日，未达18个工作日目标；图审购买服务合同尚未签订。")],
    4: [(60, "in_progress", 70, "多税合一综合申报推行，网上申报率达97%。"),
        (9, "in_progress", 85, "组合式税费支持政策落实到位，出口退税平均办理时间压缩至3个工作日。")],
    5: [(50, "in_progress", 45, "不动产登记电子证照与水电气报装共享，已支持“刷脸办理”。"),
        (14, "in_progress", 55, "化解历史遗留“登记难”项目12个，剩余7个正在办理。")],
    6: [(70, "in_progress", 50, "采购意向公开覆盖全部预算单位，“政采贷”平台上线。"),
        (18, "in_progress", 80, "合同签订平均8日、合同备案平均2个工作日，达到方案目标。")],
    7: [(45, "in_progress", 70, "招投标全流程电子化交易率达到86%，电子保函在县平台可用。"),
        (3, "in_progress", 90, "全流程电子化交易率达到92%，超过90%目标；信息共享机制建立。")],
    8: [(85, "in_progress", 25, "召开办电效率提升专题会，精简办电证件至“身份证+产权证明”两项。"),
        (55, "in_progress", 45, "“网上国网”线上办电推广，线上申请率达到78%。"),
        (28, "in_progress", 60, "低压小微企业办电全流程平均13个工作日，达到15个工作日目标。"),
        (8, "in_progress", 70, "高压单电源项目平均24个工作日，仍超过22个工作日目标，已建立超时项目周调度。")],
    9: [(40, "in_progress", 50, "用水用气报装要件整合进工程建设项目审批系统一张表单，材料压减至2份。"),
        (16, "behind", 55, "无外线工程报装平均4个工作日，未达3个工作日目标，燃气公司流程仍需压缩。")],
    10: [(65, "in_progress", 40, "组织外贸企业“两步申报”政策宣讲会1场。")],
    11: [(50, "in_progress", 60, "6个部门出台优化营商环境若干措施，乡镇重点任务实行清单化管理。")],
    13: [(33, "in_progress", 55, "惠企政策精准推送系统上线，创业担保贷款可在线办理。"),
         (4, "in_progress", 65, "社保费“不来即享”减免覆盖企业1,260户。")],
    14: [(22, "in_progress", 70, "涉企政策文件全部公开征求意见并反馈采纳情况；公平竞争审查覆盖新出台文件。")],
    15: [(38, "not_started", 0, "政策评估办法起草中，第三方评估机构尚未确定。")],
    16: [(44, "in_progress", 50, "开设营商环境宣传专栏，发布典型案例8篇。")],
    17: [(27, "in_progress", 45, "“标准地”出让2宗，处置批而未供土地320亩。")],
    18: [(19, "in_progress", 50, "新认定高新技术企业3家，申报省级科技项目5项。")],
    19: [(31, "in_progress", 60, "小微企业贷款限时制度建立，动产抵押一站式网上办理。"),
         (11, "in_progress", 70, "单户500万元以下担保费率降至1%。")],
    20: [(26, "in_progress", 45, "“四化”项目人才库入库人才412人，职称评审绿色通道开通。")],
    22: [(58, "in_progress", 35, "县城新增公共停车位460个，立体停车库项目完成选址。")],
    23: [(17, "in_progress", 50, "2个乡镇区域性仓储物流集散中心开工，冷链设施项目完成备案。")],
    24: [(66, "in_progress", 40, "县人民医院提标扩能项目主体完工。")],
    25: [(13, "in_progress", 55, "义务教育学校标准化建设完成9所，随迁子女入学政策落实。")],
    26: [(47, "in_progress", 50, "基层综合性文化服务中心标准规范修订完成。")],
    27: [(10, "in_progress", 60, "散煤替代完成1,800户，水泥行业超低排放改造完成1家。")],
    28: [(24, "in_progress", 40, "工业集中区数字化智慧园区平台建设启动，园区企业与银行对接会召开2次。")],
    29: [(36, "in_progress", 35, "梳理重点产业链4条，确定“链主”企业6家。")],
    30: [(15, "in_progress", 30, "产业基础重大项目储备库建立，入库项目9个。")],
    31: [(52, "in_progress", 60, "党政领导干部联系重点非公企业制度建立，联系企业48家。")],
    32: [(21, "in_progress", 65, "召开非公经济人士座谈会2次，收集企业诉求37条已交办。")],
    33: [(29, "in_progress", 50, "梳理涉企遗留问题15件，已化解9件。")],
    34: [(40, "in_progress", 55, "执行转破产移送审查机制建立，简单破产案件平均审理周期压缩至120天。")],
    35: [(23, "in_progress", 60, "小额诉讼程序适用率提升至28%。")],
    36: [(7, "in_progress", 75, "“双随机、一公开”部门联合抽查占比达35%，企业信用风险分类管理全覆盖。")],
    37: [(30, "in_progress", 45, "知识产权保护专项行动开展2次，重点企业保护名录建立。")],
}


def _reporter(session: Session, bureau) -> Actor:
    user = session.scalars(select(User).where(User.bureau_id == bureau.id).order_by(User.id)).first()
    return user.as_actor() if user else Actor("staff", f"{bureau.name}经办人", bureau)


def seed_measures(session: Session, plan: str) -> int:
    """Write the demo reports once (only when no measure has any record yet); returns how many."""
    if session.scalar(select(func.count()).select_from(MeasureProgress)) or \
            session.scalar(select(func.count()).select_from(Milestone)):
        return 0
    today = now().astimezone(COUNTY_TZ).date()
    written = 0
    for item in queries.measures(session, plan):
        for index, (days_ago, status, percent, note) in enumerate(REPORTS.get(item.no, [])):
            day = today - dt.timedelta(days=days_ago)
            moment = dt.datetime.combine(day, dt.time(16, 10 + index), tzinfo=COUNTY_TZ)
            with as_of(moment):
                report(session, _reporter(session, item.lead), item, status, str(percent), day, note + DEMO)
            written += 1
    session.flush()
    return written
