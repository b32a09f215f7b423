"""The ledger import's messages (Chinese, through gettext); tests reuse them."""

from django.utils.translation import gettext_lazy as _

ERROR_NO_HOUSEHOLD = _("成员没有所属户:本行及上方各行都没有填写户编号")
ERROR_NO_HEAD_ABOVE = _("成员行之前没有户主行,无法确定所属户:请把户主行放在本户成员之前")
ERROR_HEAD_NAME_AMBIGUOUS = _(
    "户主姓名“{name}”对应多个户主(第{rows}行),无法确定本行属于哪一户,请核对"
)
ERROR_HEAD_NAME_UNKNOWN = _("户主姓名“{name}”在本行之前没有对应的户主行,无法确定所属户")
ERROR_VILLAGE_DISAGREES = _("与上传时选择的行政村“{village}”不一致")
ERROR_MATCH_SEVERAL = _(
    "本户成员的身份证号在系统中分属不同的户,无法确定是哪一户;请核对,迁户请在系统中办理"
)
ERROR_MASKED_ID = _("文件中的身份证号已脱敏,请导出含完整身份证号的台账,或只修改其他列")
ERROR_STATUS_LIFTED_CHECK = _("“{status}”须通过脱贫标准检查,本户不符合:{failures}")
WARNING_TITLE_VILLAGE = _(
    "标题“{title}”写的是{named},与上传时选择的{village}不同,请确认文件是否选对"
)
NOTE_INCOME_COMPUTED = _(
    "{count}户的人均纯收入按文件中的各项收入计算(文件中的“人均纯收入”列只作核对)"
)
NOTE_INCOME_DECLARED = _("{count}户文件中没有收入分项,“人均纯收入”列作为该户的收入数据(未分项)")
NOTE_INCOME_YEAR_TITLE = _("收入年度取自标题:{year}年")
NOTE_PROVISIONAL = _(
    "{count}个新户在系统中没有户编号,暂用临时户编号(TZ开头),录入全国系统户编号后请修改"
)
ERROR_CONFLICT = _("与本户第{row}行填写的“{value}”不一致")
ERROR_VILLAGE_UNKNOWN = _("本镇没有名为“{name}”的行政村(您可导入的村:{villages})")
ERROR_VILLAGE_SCOPE = _("该村不在您的管辖范围内")
ERROR_VILLAGE_AMBIGUOUS = _("有多个名为“{name}”的行政村,请联系镇扶贫办")
ERROR_NUMBER_NOT_YOURS = _("该户编号已在系统中登记,不能由您导入,请核对户编号")
ERROR_NUMBER_OTHER_VILLAGE = _("该户在系统中属于{village},与台账不一致;迁户请在系统中办理")
ERROR_GROUP_UNKNOWN = _("{village}没有“{name}”村民小组,现有小组:{groups}")
ERROR_REQUIRED = _("此项不能为空")
ERROR_REQUIRED_COLUMN = _("新增{what}须填写“{title}”,文件中没有这一列")
ERROR_ID_DUPLICATE = _("身份证号与第{row}行重复")
ERROR_ID_REGISTERED = _("该身份证号已在其他户登记")
ERROR_ID_LEFT = _("该成员已于{date}从本户减员;重新入户请在系统中办理")
ERROR_NO_HEAD = _("本户没有户主:须有一名成员的“与户主关系”为“户主”")
ERROR_TWO_HEADS = _("本户有多名户主(第{row}行已是户主)")
ERROR_HEAD_NAME = _("户主姓名填写为“{given}”,但户主成员的姓名是“{actual}”")
ERROR_SIZE = _("家庭人口填写为{given}人,但本户有{actual}行成员;按{actual}人计")
ERROR_PER_CAPITA = _(
    "人均纯收入填写为{given}元,按各项收入计算应为{computed}元(纯收入{net}元÷{size}人);按计算值保存"
)
ERROR_INCOME_YEAR = _("填写了收入,请填写收入年度")
ERROR_STATUS_CHANGE = _("贫困状态变更请在系统中办理(需填写日期和原因,并检查脱贫标准)")
ERROR_STATUS_REQUIRED = _("新户须填写贫困状态")
ERROR_STATUS_NOT_REGISTERED = _("新户的贫困状态不能是“{status}”")
ERROR_JOINED_ON_REQUIRED = _("新增成员须填写入户日期")
ERROR_JOINED_AFTER_START = _("该成员出生于{birth},晚于本户识别建档的{start},请填写入户日期")

NEW_HOUSEHOLD_REASON = "台账导入:新识别建档"
ABSENT_NOTE = _("文件中没有")
