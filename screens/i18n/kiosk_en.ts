<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AttractPage</name>
    <message>
        <location filename="../attract.py" line="24"/>
        <source>请轻触屏幕开始办理</source>
        <translation>Touch the screen to start</translation>
    </message>
    <message>
        <location filename="../attract.py" line="25"/>
        <source>24小时自助服务 · 无需排队</source>
        <translation>Open 24 hours · no queue</translation>
    </message>
</context>
<context>
    <name>ConfirmPage</name>
    <message>
        <location filename="../steps.py" line="81"/>
        <source>请核对办理信息</source>
        <translation>Please check the details</translation>
    </message>
    <message>
        <location filename="../steps.py" line="83"/>
        <source>确认后将查询并打印回执</source>
        <translation>After you confirm, the kiosk checks the records and prints a receipt</translation>
    </message>
    <message>
        <location filename="../steps.py" line="84"/>
        <source>返回修改</source>
        <translation>Go back</translation>
    </message>
    <message>
        <location filename="../steps.py" line="85"/>
        <source>确认办理</source>
        <translation>Confirm</translation>
    </message>
</context>
<context>
    <name>DonePage</name>
    <message>
        <location filename="../result.py" line="73"/>
        <source>未能完成办理</source>
        <translation>The service could not be completed</translation>
    </message>
    <message>
        <location filename="../result.py" line="75"/>
        <source>办理完成，感谢您的评价</source>
        <translation>Done. Thank you for your rating</translation>
    </message>
    <message>
        <location filename="../result.py" line="81"/>
        <source>请取回您的身份证和回执</source>
        <translation>Please take your ID card and your receipt</translation>
    </message>
    <message>
        <location filename="../result.py" line="82"/>
        <source>完成</source>
        <translation>Finish</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <location filename="../home.py" line="20"/>
        <source>请选择要办理的业务</source>
        <translation>Choose a service</translation>
    </message>
    <message>
        <location filename="../home.py" line="25"/>
        <source>暂不可用：</source>
        <translation>Unavailable: </translation>
    </message>
</context>
<context>
    <name>IdentifyPage</name>
    <message>
        <location filename="../identify.py" line="30"/>
        <source>请将第二代居民身份证放在读卡区</source>
        <translation>Place your resident ID card on the reader</translation>
    </message>
    <message>
        <location filename="../identify.py" line="31"/>
        <source>放好后请不要移动，读卡约需2秒</source>
        <translation>Keep it still; reading takes about 2 seconds</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <location filename="../main_window.py" line="145"/>
        <source>剩余 %1 秒</source>
        <translation>%1 s left</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="148"/>
        <source>取消办理</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="148"/>
        <source>返回首页</source>
        <translation>Home</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../messages.py" line="12"/>
        <source>请将身份证放在读卡区</source>
        <translation>Place your ID card on the reader</translation>
    </message>
    <message>
        <location filename="../messages.py" line="13"/>
        <source>读卡未完成，请将身份证重新放好，不要移动</source>
        <translation>The card was moved. Place it again and keep it still</translation>
    </message>
    <message>
        <location filename="../messages.py" line="14"/>
        <source>读卡失败，请拿起身份证后重新放置</source>
        <translation>The card could not be read. Lift it and place it again</translation>
    </message>
    <message>
        <location filename="../messages.py" line="15"/>
        <source>身份证已过有效期，请到窗口办理</source>
        <translation>This ID card has expired. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../messages.py" line="16"/>
        <source>读卡器暂时无法使用，请联系工作人员</source>
        <translation>The card reader is not working. Please ask the staff</translation>
    </message>
    <message>
        <location filename="../messages.py" line="17"/>
        <source>该业务暂不可用，请选择其他业务</source>
        <translation>This service is unavailable. Please choose another</translation>
    </message>
    <message>
        <location filename="../messages.py" line="18"/>
        <source>暂时无法连接公安业务系统，请稍后再试</source>
        <translation>The police records system cannot be reached. Please try later</translation>
    </message>
    <message>
        <location filename="../messages.py" line="19"/>
        <source>业务系统拒绝了本次申请，请到窗口办理</source>
        <translation>The request was refused. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../messages.py" line="20"/>
        <source>处理超时，请稍后再试或到窗口办理</source>
        <translation>This took too long. Please try later or go to a service counter</translation>
    </message>
    <message>
        <location filename="../messages.py" line="21"/>
        <source>回执未能打印，办理结果已保存，可凭身份证到窗口补打</source>
        <translation>The receipt could not be printed. Your result is saved; a counter can reprint it</translation>
    </message>
    <message>
        <location filename="../messages.py" line="22"/>
        <source>本机存储已满，暂停办理，请联系工作人员</source>
        <translation>This kiosk&apos;s storage is full. Please ask the staff</translation>
    </message>
    <message>
        <location filename="../messages.py" line="23"/>
        <source>打印机缺纸</source>
        <translation>printer out of paper</translation>
    </message>
    <message>
        <location filename="../messages.py" line="24"/>
        <source>打印机盖未关</source>
        <translation>printer cover open</translation>
    </message>
    <message>
        <location filename="../messages.py" line="25"/>
        <source>打印机无法使用</source>
        <translation>printer not available</translation>
    </message>
    <message>
        <location filename="../messages.py" line="26"/>
        <source>打印机故障</source>
        <translation>printer fault</translation>
    </message>
    <message>
        <location filename="../messages.py" line="27"/>
        <source>身份证读卡器无法使用</source>
        <translation>ID card reader not available</translation>
    </message>
    <message>
        <location filename="../messages.py" line="28"/>
        <source>身份证读卡器故障</source>
        <translation>ID card reader fault</translation>
    </message>
    <message>
        <location filename="../messages.py" line="29"/>
        <source>本机存储已满</source>
        <translation>storage full</translation>
    </message>
    <message>
        <location filename="../messages.py" line="30"/>
        <source>设备维护中</source>
        <translation>under maintenance</translation>
    </message>
    <message>
        <location filename="../messages.py" line="31"/>
        <source>人脸核验摄像头无法使用</source>
        <translation>The face-check camera is not working</translation>
    </message>
    <message>
        <location filename="../messages.py" line="32"/>
        <source>人脸核验摄像头故障</source>
        <translation>The face-check camera has a fault</translation>
    </message>
    <message>
        <location filename="../messages.py" line="33"/>
        <source>指纹仪无法使用</source>
        <translation>The fingerprint reader is not working</translation>
    </message>
    <message>
        <location filename="../messages.py" line="34"/>
        <source>指纹仪故障</source>
        <translation>The fingerprint reader has a fault</translation>
    </message>
    <message>
        <location filename="../messages.py" line="36"/>
        <source>身份核验通过</source>
        <translation>Identity confirmed</translation>
    </message>
    <message>
        <location filename="../messages.py" line="37"/>
        <source>请正对摄像头，按提示操作</source>
        <translation>Please face the camera and follow the prompts</translation>
    </message>
    <message>
        <location filename="../messages.py" line="38"/>
        <source>请将手指放在指纹仪上</source>
        <translation>Please place your finger on the reader</translation>
    </message>
    <message>
        <location filename="../messages.py" line="39"/>
        <source>未能确认是您本人，请正对摄像头再试一次</source>
        <translation>We could not confirm it is you. Please face the camera and try again</translation>
    </message>
    <message>
        <location filename="../messages.py" line="40"/>
        <source>未检测到动作，请按提示眨眼或转头</source>
        <translation>We did not see the movement. Please blink or turn your head as shown</translation>
    </message>
    <message>
        <location filename="../messages.py" line="41"/>
        <source>指纹未能比对成功，请重新按压手指</source>
        <translation>The fingerprint did not match. Please place your finger again</translation>
    </message>
    <message>
        <location filename="../messages.py" line="42"/>
        <source>请改用指纹核验，将手指放在指纹仪上</source>
        <translation>Please use your fingerprint instead: place your finger on the reader</translation>
    </message>
    <message>
        <location filename="../messages.py" line="43"/>
        <source>请改用人脸核验，正对摄像头</source>
        <translation>Please use face verification instead: face the camera</translation>
    </message>
    <message>
        <location filename="../messages.py" line="44"/>
        <source>身份核验未通过，请到服务窗口办理</source>
        <translation>Your identity could not be confirmed. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../messages.py" line="45"/>
        <source>今日核验失败次数过多，请到服务窗口办理</source>
        <translation>Too many failed checks today. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../messages.py" line="46"/>
        <source>暂时无法核验身份，请到服务窗口办理</source>
        <translation>Identity checks are unavailable. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../messages.py" line="47"/>
        <source>请站在摄像头前</source>
        <translation>Please stand in front of the camera</translation>
    </message>
    <message>
        <location filename="../messages.py" line="48"/>
        <source>请一人办理，其他人请稍候</source>
        <translation>One person at a time, please</translation>
    </message>
    <message>
        <location filename="../messages.py" line="49"/>
        <source>请靠近一些</source>
        <translation>Please move closer</translation>
    </message>
    <message>
        <location filename="../messages.py" line="50"/>
        <source>请后退一些</source>
        <translation>Please step back a little</translation>
    </message>
    <message>
        <location filename="../messages.py" line="51"/>
        <source>请将脸移到画面中间</source>
        <translation>Please move your face to the middle</translation>
    </message>
    <message>
        <location filename="../messages.py" line="52"/>
        <source>光线太暗，请靠近补光灯</source>
        <translation>It is too dark: please step into the light</translation>
    </message>
    <message>
        <location filename="../messages.py" line="53"/>
        <source>光线太强，请避开强光</source>
        <translation>Too much light: please move out of the glare</translation>
    </message>
    <message>
        <location filename="../messages.py" line="54"/>
        <source>请正对摄像头</source>
        <translation>Please look straight at the camera</translation>
    </message>
    <message>
        <location filename="../messages.py" line="55"/>
        <source>请保持不动</source>
        <translation>Please hold still</translation>
    </message>
    <message>
        <location filename="../messages.py" line="56"/>
        <source>请眨眨眼</source>
        <translation>Please blink</translation>
    </message>
    <message>
        <location filename="../messages.py" line="57"/>
        <source>请向左转头</source>
        <translation>Please turn your head to the left</translation>
    </message>
    <message>
        <location filename="../messages.py" line="58"/>
        <source>请向右转头</source>
        <translation>Please turn your head to the right</translation>
    </message>
    <message>
        <location filename="../messages.py" line="62"/>
        <source>办理业务</source>
        <translation>Service</translation>
    </message>
    <message>
        <location filename="../messages.py" line="63"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../messages.py" line="64"/>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location filename="../messages.py" line="68"/>
        <source>非常满意</source>
        <translation>Excellent</translation>
    </message>
    <message>
        <location filename="../messages.py" line="69"/>
        <source>满意</source>
        <translation>Good</translation>
    </message>
    <message>
        <location filename="../messages.py" line="70"/>
        <source>基本满意</source>
        <translation>Fair</translation>
    </message>
    <message>
        <location filename="../messages.py" line="71"/>
        <source>不满意</source>
        <translation>Poor</translation>
    </message>
    <message>
        <location filename="../messages.py" line="72"/>
        <source>非常不满意</source>
        <translation>Very poor</translation>
    </message>
</context>
<context>
    <name>MoreTimePrompt</name>
    <message>
        <location filename="../main_window.py" line="62"/>
        <source>需要更多时间吗？</source>
        <translation>Do you need more time?</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="63"/>
        <source>%1 秒后将自动结束办理</source>
        <translation>The visit ends by itself in %1 s</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="64"/>
        <source>继续办理</source>
        <translation>Yes, continue</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="65"/>
        <source>结束办理</source>
        <translation>No, end the visit</translation>
    </message>
</context>
<context>
    <name>OutOfServicePage</name>
    <message>
        <location filename="../out_of_service.py" line="19"/>
        <source>暂停服务</source>
        <translation>Out of service</translation>
    </message>
    <message>
        <location filename="../out_of_service.py" line="21"/>
        <source>工作人员正在处理，请稍后再来或前往服务窗口</source>
        <translation>Staff have been told. Please come back later or go to a service counter</translation>
    </message>
</context>
<context>
    <name>ProgressPage</name>
    <message>
        <location filename="../progress.py" line="23"/>
        <source>正在打印回执，请稍候…</source>
        <translation>Printing your receipt…</translation>
    </message>
    <message>
        <location filename="../progress.py" line="24"/>
        <source>请在出纸口取走回执</source>
        <translation>Take the receipt from the slot</translation>
    </message>
    <message>
        <location filename="../progress.py" line="26"/>
        <source>正在办理，请稍候…</source>
        <translation>Working on it, please wait…</translation>
    </message>
    <message>
        <location filename="../progress.py" line="27"/>
        <source>正在连接公安业务系统</source>
        <translation>Contacting the police records system</translation>
    </message>
</context>
<context>
    <name>RatePage</name>
    <message>
        <location filename="../result.py" line="47"/>
        <source>请对本次服务进行评价</source>
        <translation>How was this service?</translation>
    </message>
    <message>
        <location filename="../result.py" line="50"/>
        <source>跳过评价</source>
        <translation>Skip</translation>
    </message>
</context>
<context>
    <name>StepPage</name>
    <message>
        <location filename="../steps.py" line="33"/>
        <source>第 %1 步，共 %2 步</source>
        <translation>Step %1 of %2</translation>
    </message>
</context>
<context>
    <name>VerifyPage</name>
    <message>
        <location filename="../verify.py" line="43"/>
        <source>指纹核验</source>
        <translation>Fingerprint check</translation>
    </message>
    <message>
        <location filename="../verify.py" line="44"/>
        <source>请将手指放在指纹仪上</source>
        <translation>Please place your finger on the reader</translation>
    </message>
    <message>
        <location filename="../verify.py" line="45"/>
        <source>按压平稳，直到提示完成</source>
        <translation>Press flat and hold until the screen says it is done</translation>
    </message>
    <message>
        <location filename="../verify.py" line="47"/>
        <source>人脸核验</source>
        <translation>Face check</translation>
    </message>
    <message>
        <location filename="../verify.py" line="51"/>
        <source>请正对摄像头</source>
        <translation>Please look straight at the camera</translation>
    </message>
</context>
<context>
    <name>page</name>
    <message>
        <location filename="../result.py" line="12"/>
        <source>证明已开具</source>
        <translation>Certificate issued</translation>
    </message>
    <message>
        <location filename="../result.py" line="12"/>
        <source>证明编号：</source>
        <translation>Certificate no.: </translation>
    </message>
    <message>
        <location filename="../result.py" line="14"/>
        <source>申请已受理</source>
        <translation>Application accepted</translation>
    </message>
    <message>
        <location filename="../result.py" line="14"/>
        <source>申请编号：</source>
        <translation>Application no.: </translation>
    </message>
    <message>
        <location filename="../result.py" line="14"/>
        <source>审核结果将以短信通知</source>
        <translation>The result will follow by SMS</translation>
    </message>
    <message>
        <location filename="../result.py" line="16"/>
        <source>暂不能自助开具</source>
        <translation>Cannot be issued here</translation>
    </message>
    <message>
        <location filename="../result.py" line="17"/>
        <source>未能完成办理</source>
        <translation>The service could not be completed</translation>
    </message>
</context>
</TS>
