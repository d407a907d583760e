<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AttractPage</name>
    <message>
        <location filename="../../screens/attract.py" line="25"/>
        <source>请轻触屏幕开始办理</source>
        <translation>Touch the screen to start</translation>
    </message>
    <message>
        <location filename="../../screens/attract.py" line="26"/>
        <source>24小时自助服务 · 无需排队</source>
        <translation>Open 24 hours · no queue</translation>
    </message>
</context>
<context>
    <name>ConfirmPage</name>
    <message>
        <location filename="../../screens/steps.py" line="146"/>
        <source>请核对办理信息</source>
        <translation>Please check the details</translation>
    </message>
    <message>
        <location filename="../../screens/steps.py" line="150"/>
        <source>确认后将查询并打印证明和回执</source>
        <translation>After you confirm, the kiosk checks the records and prints your certificate and a receipt</translation>
    </message>
    <message>
        <location filename="../../screens/steps.py" line="151"/>
        <source>返回修改</source>
        <translation>Go back</translation>
    </message>
    <message>
        <location filename="../../screens/steps.py" line="153"/>
        <source>确认办理</source>
        <translation>Confirm</translation>
    </message>
</context>
<context>
    <name>DocumentPage</name>
    <message>
        <location filename="../../screens/document.py" line="10"/>
        <source>请将港澳通行证放在证件读取区</source>
        <translation>Lay your Hong Kong and Macau permit on the document reader</translation>
    </message>
    <message>
        <location filename="../../screens/document.py" line="10"/>
        <source>证件正面朝上，放好后请不要移动，读取约需3秒</source>
        <translation>Face up, and keep it still; reading takes about 3 seconds</translation>
    </message>
</context>
<context>
    <name>DonePage</name>
    <message>
        <location filename="../../screens/result.py" line="139"/>
        <source>办理完成，感谢您的使用</source>
        <translation>Done. Thank you for using the kiosk</translation>
    </message>
    <message>
        <location filename="../../screens/result.py" line="144"/>
        <source>请取回您的身份证和回执</source>
        <translation>Please take your ID card and your receipt</translation>
    </message>
    <message>
        <location filename="../../screens/result.py" line="145"/>
        <source>请取回您的身份证</source>
        <translation>Please take your ID card</translation>
    </message>
    <message>
        <location filename="../../screens/result.py" line="146"/>
        <source>完成</source>
        <translation>Finish</translation>
    </message>
</context>
<context>
    <name>EntryPage</name>
    <message>
        <location filename="../../screens/steps.py" line="95"/>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../../screens/steps.py" line="97"/>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../../screens/steps.py" line="98"/>
        <source>确定</source>
        <translation>OK</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <location filename="../../screens/home.py" line="25"/>
        <source>办理时间：</source>
        <translation>Opening hours: </translation>
    </message>
    <message>
        <location filename="../../screens/home.py" line="27"/>
        <source>暂不可用：</source>
        <translation>Unavailable: </translation>
    </message>
</context>
<context>
    <name>IdentifyPage</name>
    <message>
        <location filename="../../screens/identify.py" line="30"/>
        <source>请将第二代居民身份证放在读卡区</source>
        <translation>Place your resident ID card on the reader</translation>
    </message>
    <message>
        <location filename="../../screens/identify.py" line="31"/>
        <source>放好后请不要移动，读卡约需2秒</source>
        <translation>Keep it still; reading takes about 2 seconds</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <location filename="../../screens/main_window.py" line="160"/>
        <source>剩余 %1 秒</source>
        <translation>%1 s left</translation>
    </message>
    <message>
        <location filename="../../screens/main_window.py" line="163"/>
        <source>取消办理</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../screens/main_window.py" line="163"/>
        <source>返回首页</source>
        <translation>Home</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../texts.py" line="63"/>
        <source>请将身份证放在读卡区</source>
        <translation>Place your ID card on the reader</translation>
    </message>
    <message>
        <location filename="../texts.py" line="64"/>
        <source>读卡未完成，请将身份证重新放好，不要移动</source>
        <translation>The card was moved. Place it again and keep it still</translation>
    </message>
    <message>
        <location filename="../texts.py" line="65"/>
        <source>读卡失败，请拿起身份证后重新放置</source>
        <translation>The card could not be read. Lift it and place it again</translation>
    </message>
    <message>
        <location filename="../texts.py" line="66"/>
        <source>身份证已过有效期，请到窗口办理</source>
        <translation>This ID card has expired. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="67"/>
        <source>读卡器暂时无法使用，请联系工作人员</source>
        <translation>The card reader is not working. Please ask the staff</translation>
    </message>
    <message>
        <location filename="../texts.py" line="59"/>
        <source>该业务暂不可用，请选择其他业务</source>
        <translation>This service is unavailable. Please choose another</translation>
    </message>
    <message>
        <location filename="../texts.py" line="58"/>
        <source>暂时无法连接公安业务系统，请稍后再试</source>
        <translation>The police records system cannot be reached. Please try later</translation>
    </message>
    <message>
        <location filename="../texts.py" line="68"/>
        <source>业务系统拒绝了本次申请，请到窗口办理</source>
        <translation>The request was refused. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="69"/>
        <source>处理超时，请稍后再试或到窗口办理</source>
        <translation>This took too long. Please try later or go to a service counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="71"/>
        <source>回执未能打印，办理结果已保存，可凭身份证到窗口补打</source>
        <translation>The receipt could not be printed. Your result is saved; a counter can reprint it</translation>
    </message>
    <message>
        <location filename="../texts.py" line="74"/>
        <source>本机存储已满，暂停办理，请联系工作人员</source>
        <translation>This kiosk&apos;s storage is full. Please ask the staff</translation>
    </message>
    <message>
        <location filename="../texts.py" line="35"/>
        <source>打印机缺纸</source>
        <translation>printer out of paper</translation>
    </message>
    <message>
        <location filename="../texts.py" line="36"/>
        <source>打印机盖未关</source>
        <translation>printer cover open</translation>
    </message>
    <message>
        <location filename="../texts.py" line="37"/>
        <source>打印机无法使用</source>
        <translation>printer not available</translation>
    </message>
    <message>
        <location filename="../texts.py" line="38"/>
        <source>打印机故障</source>
        <translation>printer fault</translation>
    </message>
    <message>
        <location filename="../texts.py" line="43"/>
        <source>身份证读卡器无法使用</source>
        <translation>ID card reader not available</translation>
    </message>
    <message>
        <location filename="../texts.py" line="44"/>
        <source>身份证读卡器故障</source>
        <translation>ID card reader fault</translation>
    </message>
    <message>
        <location filename="../texts.py" line="53"/>
        <source>本机存储已满</source>
        <translation>storage full</translation>
    </message>
    <message>
        <location filename="../texts.py" line="54"/>
        <source>设备维护中</source>
        <translation>under maintenance</translation>
    </message>
    <message>
        <location filename="../texts.py" line="47"/>
        <source>人脸核验摄像头无法使用</source>
        <translation>The face-check camera is not working</translation>
    </message>
    <message>
        <location filename="../texts.py" line="39"/>
        <source>证明打印机缺纸</source>
        <translation>certificate printer out of paper</translation>
    </message>
    <message>
        <location filename="../texts.py" line="40"/>
        <source>证明打印机盖未关</source>
        <translation>certificate printer cover open</translation>
    </message>
    <message>
        <location filename="../texts.py" line="41"/>
        <source>证明打印机无法使用</source>
        <translation>certificate printer not available</translation>
    </message>
    <message>
        <location filename="../texts.py" line="42"/>
        <source>证明打印机故障</source>
        <translation>certificate printer fault</translation>
    </message>
    <message>
        <location filename="../texts.py" line="45"/>
        <source>扫码器无法使用</source>
        <translation>code scanner not available</translation>
    </message>
    <message>
        <location filename="../texts.py" line="46"/>
        <source>扫码器故障，请改用身份证查询</source>
        <translation>The code scanner is not working. Please use your ID card instead</translation>
    </message>
    <message>
        <location filename="../texts.py" line="48"/>
        <source>人脸核验摄像头故障</source>
        <translation>The face-check camera has a fault</translation>
    </message>
    <message>
        <location filename="../texts.py" line="49"/>
        <source>指纹仪无法使用</source>
        <translation>The fingerprint reader is not working</translation>
    </message>
    <message>
        <location filename="../texts.py" line="50"/>
        <source>指纹仪故障</source>
        <translation>The fingerprint reader has a fault</translation>
    </message>
    <message>
        <location filename="../texts.py" line="51"/>
        <source>发证机无法使用</source>
        <translation>The card dispenser is not available</translation>
    </message>
    <message>
        <location filename="../texts.py" line="52"/>
        <source>发证机故障，请联系工作人员</source>
        <translation>The card dispenser has a fault; please ask the staff</translation>
    </message>
    <message>
        <location filename="../texts.py" line="55"/>
        <source>设备正在启动，请稍候</source>
        <translation>starting up, please wait</translation>
    </message>
    <message>
        <location filename="../texts.py" line="56"/>
        <source>本机正在维护</source>
        <translation>This kiosk is under maintenance</translation>
    </message>
    <message>
        <location filename="../texts.py" line="57"/>
        <source>不在办理时间</source>
        <translation>outside opening hours</translation>
    </message>
    <message>
        <location filename="../texts.py" line="70"/>
        <source>本机出现故障，请到窗口办理</source>
        <translation>This kiosk has a fault. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="72"/>
        <source>证明未能打印，已开具的证明可在“业务进度查询”中凭身份证补打</source>
        <translation>The certificate could not be printed. It has been issued: reprint it with your ID card under “Application Progress”</translation>
    </message>
    <message>
        <location filename="../texts.py" line="73"/>
        <source>设备未能完成操作，请联系工作人员</source>
        <translation>A device could not finish. Please ask the staff</translation>
    </message>
    <message>
        <location filename="../texts.py" line="75"/>
        <source>未能识别，请将二维码放平后重新扫描</source>
        <translation>The code could not be read. Hold it flat and scan again</translation>
    </message>
    <message>
        <location filename="../texts.py" line="76"/>
        <source>该二维码不是本机回执上的二维码</source>
        <translation>This QR code is not from one of our receipts</translation>
    </message>
    <message>
        <location filename="../texts.py" line="77"/>
        <source>请先输入</source>
        <translation>Please type it in first</translation>
    </message>
    <message>
        <location filename="../texts.py" line="78"/>
        <source>输入有误，请检查后重新输入</source>
        <translation>That is not right. Please check and type it again</translation>
    </message>
    <message>
        <location filename="../texts.py" line="79"/>
        <source>编号应为4至32位字母或数字</source>
        <translation>The number has 4 to 32 letters or digits</translation>
    </message>
    <message>
        <location filename="../texts.py" line="80"/>
        <source>车牌号应以省份简称开头</source>
        <translation>A plate number starts with the province character, such as 京</translation>
    </message>
    <message>
        <location filename="../texts.py" line="81"/>
        <source>车牌号格式不正确，请检查</source>
        <translation>This is not a valid plate number. Please check it</translation>
    </message>
    <message>
        <location filename="../texts.py" line="82"/>
        <source>请输入11位手机号码</source>
        <translation>Please enter an 11-digit mobile number</translation>
    </message>
    <message>
        <location filename="../texts.py" line="83"/>
        <source>身份证号码有误，请检查后重新输入</source>
        <translation>That ID number is not valid; please check it and type it again</translation>
    </message>
    <message>
        <location filename="../texts.py" line="87"/>
        <source>未查到您的新身份证，请核对号码或到窗口咨询</source>
        <translation>No new ID card was found for you; check the number or ask at a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="88"/>
        <source>您的身份证正在制作中，制好后将短信通知</source>
        <translation>Your ID card is still being made; you will get a text message when it is ready</translation>
    </message>
    <message>
        <location filename="../texts.py" line="89"/>
        <source>您的身份证不在本机，请到短信通知的地点领取</source>
        <translation>Your ID card is not in this kiosk; collect it where your text message says</translation>
    </message>
    <message>
        <location filename="../texts.py" line="90"/>
        <source>您的身份证需到窗口领取</source>
        <translation>Please collect your ID card at a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="91"/>
        <source>该身份证已被领取，如有疑问请到窗口咨询</source>
        <translation>This ID card has already been collected; ask at a counter if that is wrong</translation>
    </message>
    <message>
        <location filename="../texts.py" line="92"/>
        <source>您的身份证已回收，请到窗口领取</source>
        <translation>Your ID card was taken back; please collect it at a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="93"/>
        <source>正在取出您的身份证，请稍候</source>
        <translation>Getting your ID card, please wait</translation>
    </message>
    <message>
        <location filename="../texts.py" line="94"/>
        <source>正在核对证件，请稍候</source>
        <translation>Checking the card, please wait</translation>
    </message>
    <message>
        <location filename="../texts.py" line="95"/>
        <source>请从出证口取走您的身份证</source>
        <translation>Please take your ID card from the card slot</translation>
    </message>
    <message>
        <location filename="../texts.py" line="96"/>
        <source>身份证已领取，请妥善保管</source>
        <translation>You have your new ID card; keep it safe</translation>
    </message>
    <message>
        <location filename="../texts.py" line="97"/>
        <source>身份证未及时取走，已回收，请到窗口领取</source>
        <translation>The card was not taken in time and was taken back; please collect it at a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="98"/>
        <source>证件核对不符，已回收，工作人员将尽快处理，请到窗口咨询</source>
        <translation>The card did not match and was taken back; staff will deal with it, please ask at a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="99"/>
        <source>您的身份证暂不在发证机中，请到窗口咨询</source>
        <translation>Your ID card is not in the dispenser at the moment; please ask at a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="100"/>
        <source>发证机出现故障，未发出证件，请到窗口领取</source>
        <translation>The card dispenser failed and gave out no card; please collect it at a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="104"/>
        <source>请正对摄像头，保持不动</source>
        <translation>Face the camera and hold still</translation>
    </message>
    <message>
        <location filename="../texts.py" line="105"/>
        <source>请确认照片，满意请点击使用此照片</source>
        <translation>Check your photo; if you like it, use it</translation>
    </message>
    <message>
        <location filename="../texts.py" line="106"/>
        <source>使用此照片</source>
        <translation>Use this photo</translation>
    </message>
    <message>
        <location filename="../texts.py" line="107"/>
        <source>重新拍摄</source>
        <translation>Take it again</translation>
    </message>
    <message>
        <location filename="../texts.py" line="108"/>
        <source>第%1张，共可拍%2张</source>
        <translation>Photo %1 of at most %2</translation>
    </message>
    <message>
        <location filename="../texts.py" line="109"/>
        <source>照片回执码</source>
        <translation>Photo receipt code</translation>
    </message>
    <message>
        <location filename="../texts.py" line="110"/>
        <source>有效期至</source>
        <translation>Valid until</translation>
    </message>
    <message>
        <location filename="../texts.py" line="111"/>
        <source>办理其他业务时出示回执码即可使用此照片</source>
        <translation>Show the receipt code when you apply for something else: this photo is used</translation>
    </message>
    <message>
        <location filename="../texts.py" line="112"/>
        <source>照片未保存，本机不留存任何照片</source>
        <translation>The photo was not kept: this kiosk keeps no photo</translation>
    </message>
    <message>
        <location filename="../texts.py" line="113"/>
        <source>未能拍出合格照片，请到窗口拍照</source>
        <translation>No photo met the standard; please have your photo taken at a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="117"/>
        <source>暂时无法发起支付，未扣款，请稍后再试</source>
        <translation>Payment cannot be started right now. Nothing was charged. Please try later</translation>
    </message>
    <message>
        <location filename="../texts.py" line="118"/>
        <source>本次缴费未能受理，未扣款，请到窗口办理</source>
        <translation>This payment could not be accepted. Nothing was charged. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="119"/>
        <source>支付未成功，未扣款，请重新办理或到窗口办理</source>
        <translation>The payment did not go through. Nothing was charged. Please try again or go to a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="120"/>
        <source>支付超时，订单已关闭，未扣款</source>
        <translation>Time ran out and the order is closed. Nothing was charged</translation>
    </message>
    <message>
        <location filename="../texts.py" line="121"/>
        <source>订单已取消，未扣款</source>
        <translation>The order was cancelled. Nothing was charged</translation>
    </message>
    <message>
        <location filename="../texts.py" line="122"/>
        <source>业务未能办理，已付款项将原路退回</source>
        <translation>The service could not be completed. Your payment will be refunded to your account</translation>
    </message>
    <message>
        <location filename="../texts.py" line="123"/>
        <source>订单关闭后才收到付款，款项将原路退回</source>
        <translation>Your payment arrived after the order had closed. It will be refunded to your account</translation>
    </message>
    <message>
        <location filename="../texts.py" line="124"/>
        <source>订单取消后才收到付款，款项将原路退回</source>
        <translation>Your payment arrived after the order was cancelled. It will be refunded to your account</translation>
    </message>
    <message>
        <location filename="../texts.py" line="125"/>
        <source>正在核对上一笔支付，请稍后</source>
        <translation>Checking an earlier payment, please wait</translation>
    </message>
    <message>
        <location filename="../texts.py" line="126"/>
        <source>请至少选择一项</source>
        <translation>Please choose at least one</translation>
    </message>
    <message>
        <location filename="../texts.py" line="127"/>
        <source>所选违法记录已缴款，无需重复缴纳</source>
        <translation>A chosen fine is already paid; it need not be paid again</translation>
    </message>
    <message>
        <location filename="../texts.py" line="128"/>
        <source>所选违法记录需到交警窗口处理</source>
        <translation>A chosen violation must be handled at a traffic police counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="129"/>
        <source>未找到所选违法记录，请重新查询</source>
        <translation>A chosen violation was not found. Please look them up again</translation>
    </message>
    <message>
        <location filename="../texts.py" line="130"/>
        <source>需到交警窗口处理</source>
        <translation>At a traffic police counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="131"/>
        <source>未查询到待缴款的交通违法记录</source>
        <translation>No traffic fines to pay were found</translation>
    </message>
    <message>
        <location filename="../texts.py" line="132"/>
        <source>通行证号码为C开头的9位号码，请检查</source>
        <translation>The permit number has 9 characters and starts with C. Please check it</translation>
    </message>
    <message>
        <location filename="../texts.py" line="133"/>
        <source>未查到该通行证，请核对号码</source>
        <translation>No permit with this number was found. Please check it</translation>
    </message>
    <message>
        <location filename="../texts.py" line="134"/>
        <source>通行证已过有效期，请先换发通行证</source>
        <translation>This permit has expired. Please renew the permit first</translation>
    </message>
    <message>
        <location filename="../texts.py" line="135"/>
        <source>该通行证不是您本人的，请使用本人证件</source>
        <translation>This permit is not yours. Please use your own permit</translation>
    </message>
    <message>
        <location filename="../texts.py" line="136"/>
        <source>该通行证已无可用签注次数</source>
        <translation>This permit has no endorsements left</translation>
    </message>
    <message>
        <location filename="../texts.py" line="137"/>
        <source>暂不能自助办理签注，请到出入境窗口办理</source>
        <translation>The endorsement cannot be issued here. Please go to an exit-entry counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="138"/>
        <source>请将港澳通行证放在证件读取区</source>
        <translation>Lay your Hong Kong and Macau permit on the document reader</translation>
    </message>
    <message>
        <location filename="../texts.py" line="139"/>
        <source>未能读取通行证，请拿起后重新放好，不要移动</source>
        <translation>The permit could not be read. Lift it, lay it down again and keep it still</translation>
    </message>
    <message>
        <location filename="../texts.py" line="140"/>
        <source>证件读取器暂时无法使用，请联系工作人员</source>
        <translation>The document reader is not working. Please ask the staff</translation>
    </message>
    <message>
        <location filename="../texts.py" line="141"/>
        <source>放置的证件与输入的通行证号码或本人身份不符</source>
        <translation>The document on the reader is not the permit typed in, or not yours</translation>
    </message>
    <message>
        <location filename="../texts.py" line="142"/>
        <source>应付金额</source>
        <translation>Amount due</translation>
    </message>
    <message>
        <location filename="../texts.py" line="143"/>
        <source>请用微信、支付宝或云闪付扫描二维码付款</source>
        <translation>Scan the QR code with WeChat Pay, Alipay or UnionPay to pay</translation>
    </message>
    <message>
        <location filename="../texts.py" line="144"/>
        <source>正在生成付款二维码，请稍候</source>
        <translation>Preparing the QR code to pay with, please wait</translation>
    </message>
    <message>
        <location filename="../texts.py" line="145"/>
        <source>等待付款</source>
        <translation>Waiting for payment</translation>
    </message>
    <message>
        <location filename="../texts.py" line="146"/>
        <source>已收到付款，正在办理，请稍候</source>
        <translation>Payment received. Completing the service, please wait</translation>
    </message>
    <message>
        <location filename="../texts.py" line="147"/>
        <source>合计</source>
        <translation>Total</translation>
    </message>
    <message>
        <location filename="../texts.py" line="148"/>
        <source>已选</source>
        <translation>Chosen</translation>
    </message>
    <message>
        <location filename="../texts.py" line="149"/>
        <source>订单号</source>
        <translation>Order no.</translation>
    </message>
    <message>
        <location filename="../texts.py" line="150"/>
        <source>已付金额</source>
        <translation>Paid</translation>
    </message>
    <message>
        <location filename="../texts.py" line="151"/>
        <source>退款金额</source>
        <translation>Refund</translation>
    </message>
    <message>
        <location filename="../texts.py" line="152"/>
        <source>滞纳金</source>
        <translation>late fee</translation>
    </message>
    <message>
        <location filename="../texts.py" line="153"/>
        <source>记分</source>
        <translation>points</translation>
    </message>
    <message>
        <location filename="../texts.py" line="154"/>
        <source>罚款</source>
        <translation>fine</translation>
    </message>
    <message>
        <location filename="../texts.py" line="155"/>
        <source>完成</source>
        <translation>Finish</translation>
    </message>
    <message>
        <location filename="../texts.py" line="156"/>
        <source>签注种类</source>
        <translation>Kind of endorsement</translation>
    </message>
    <message>
        <location filename="../texts.py" line="157"/>
        <source>团队旅游</source>
        <translation>Group tour</translation>
    </message>
    <message>
        <location filename="../texts.py" line="158"/>
        <source>个人旅游</source>
        <translation>Individual visit</translation>
    </message>
    <message>
        <location filename="../texts.py" line="159"/>
        <source>探亲</source>
        <translation>Family visit</translation>
    </message>
    <message>
        <location filename="../texts.py" line="160"/>
        <source>商务</source>
        <translation>Business</translation>
    </message>
    <message>
        <location filename="../texts.py" line="161"/>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <location filename="../texts.py" line="162"/>
        <source>签注次数</source>
        <translation>Times</translation>
    </message>
    <message>
        <location filename="../texts.py" line="163"/>
        <source>通行证号码</source>
        <translation>Permit number</translation>
    </message>
    <message>
        <location filename="../texts.py" line="164"/>
        <source>可立等可取</source>
        <translation>issued on the spot</translation>
    </message>
    <message>
        <location filename="../texts.py" line="165"/>
        <source>需另行领取</source>
        <translation>collected later</translation>
    </message>
    <message>
        <location filename="../texts.py" line="166"/>
        <source>办理结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <location filename="../texts.py" line="167"/>
        <source>签注已签发，有效期至</source>
        <translation>Endorsement issued, valid until</translation>
    </message>
    <message>
        <location filename="../texts.py" line="168"/>
        <source>签注已受理，请凭回执领取：</source>
        <translation>Endorsement granted; collect it with your receipt:</translation>
    </message>
    <message>
        <location filename="../texts.py" line="172"/>
        <source>身份核验通过</source>
        <translation>Identity confirmed</translation>
    </message>
    <message>
        <location filename="../texts.py" line="173"/>
        <source>请正对摄像头，按提示操作</source>
        <translation>Please face the camera and follow the prompts</translation>
    </message>
    <message>
        <location filename="../texts.py" line="174"/>
        <source>请将手指放在指纹仪上</source>
        <translation>Please place your finger on the reader</translation>
    </message>
    <message>
        <location filename="../texts.py" line="175"/>
        <source>未能确认是您本人，请正对摄像头再试一次</source>
        <translation>We could not confirm it is you. Please face the camera and try again</translation>
    </message>
    <message>
        <location filename="../texts.py" line="176"/>
        <source>未检测到动作，请按提示眨眼或转头</source>
        <translation>We did not see the movement. Please blink or turn your head as shown</translation>
    </message>
    <message>
        <location filename="../texts.py" line="177"/>
        <source>指纹未能比对成功，请重新按压手指</source>
        <translation>The fingerprint did not match. Please place your finger again</translation>
    </message>
    <message>
        <location filename="../texts.py" line="178"/>
        <source>请改用指纹核验，将手指放在指纹仪上</source>
        <translation>Please use your fingerprint instead: place your finger on the reader</translation>
    </message>
    <message>
        <location filename="../texts.py" line="179"/>
        <source>请改用人脸核验，正对摄像头</source>
        <translation>Please use face verification instead: face the camera</translation>
    </message>
    <message>
        <location filename="../texts.py" line="180"/>
        <source>身份核验未通过，请到服务窗口办理</source>
        <translation>Your identity could not be confirmed. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="181"/>
        <source>今日核验失败次数过多，请到服务窗口办理</source>
        <translation>Too many failed checks today. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="182"/>
        <source>暂时无法核验身份，请到服务窗口办理</source>
        <translation>Identity checks are unavailable. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="186"/>
        <source>请站在摄像头前</source>
        <translation>Please stand in front of the camera</translation>
    </message>
    <message>
        <location filename="../texts.py" line="187"/>
        <source>请一人办理，其他人请稍候</source>
        <translation>One person at a time, please</translation>
    </message>
    <message>
        <location filename="../texts.py" line="188"/>
        <source>请靠近一些</source>
        <translation>Please move closer</translation>
    </message>
    <message>
        <location filename="../texts.py" line="189"/>
        <source>请后退一些</source>
        <translation>Please step back a little</translation>
    </message>
    <message>
        <location filename="../texts.py" line="190"/>
        <source>请将脸移到画面中间</source>
        <translation>Please move your face to the middle</translation>
    </message>
    <message>
        <location filename="../texts.py" line="191"/>
        <source>光线太暗，请靠近补光灯</source>
        <translation>It is too dark: please step into the light</translation>
    </message>
    <message>
        <location filename="../texts.py" line="192"/>
        <source>光线太强，请避开强光</source>
        <translation>Too much light: please move out of the glare</translation>
    </message>
    <message>
        <location filename="../texts.py" line="193"/>
        <source>请正对摄像头</source>
        <translation>Please look straight at the camera</translation>
    </message>
    <message>
        <location filename="../texts.py" line="194"/>
        <source>请保持不动</source>
        <translation>Please hold still</translation>
    </message>
    <message>
        <location filename="../texts.py" line="195"/>
        <source>请眨眨眼</source>
        <translation>Please blink</translation>
    </message>
    <message>
        <location filename="../texts.py" line="196"/>
        <source>请向左转头</source>
        <translation>Please turn your head to the left</translation>
    </message>
    <message>
        <location filename="../texts.py" line="197"/>
        <source>请向右转头</source>
        <translation>Please turn your head to the right</translation>
    </message>
    <message>
        <location filename="../texts.py" line="201"/>
        <source>请保持头部端正，不要歪头</source>
        <translation>Please hold your head straight, not tilted</translation>
    </message>
    <message>
        <location filename="../texts.py" line="202"/>
        <source>请睁开眼睛，看向摄像头</source>
        <translation>Please open your eyes and look at the camera</translation>
    </message>
    <message>
        <location filename="../texts.py" line="203"/>
        <source>脸部光线不均匀，请站到补光灯正前方</source>
        <translation>The light on your face is uneven: please stand right in front of the light</translation>
    </message>
    <message>
        <location filename="../texts.py" line="204"/>
        <source>请摘下帽子，露出额头和眉毛</source>
        <translation>Please take off your hat so that your forehead and eyebrows show</translation>
    </message>
    <message>
        <location filename="../texts.py" line="205"/>
        <source>背景不够干净，请站在白色背景板前，身后不要有人或物品</source>
        <translation>The background is not plain: please stand in front of the white board, with no one and nothing behind you</translation>
    </message>
    <message>
        <location filename="../texts.py" line="206"/>
        <source>背景颜色过深，请站在白色背景板前</source>
        <translation>The background is too dark: please stand in front of the white board</translation>
    </message>
    <message>
        <location filename="../texts.py" line="211"/>
        <source>请选择要办理的业务</source>
        <translation>Please choose a service</translation>
    </message>
    <message>
        <location filename="../texts.py" line="212"/>
        <source>请将身份证放在读卡区，放好后不要移动</source>
        <translation>Please place your ID card on the reader and keep it still</translation>
    </message>
    <message>
        <location filename="../texts.py" line="213"/>
        <source>请将回执上的二维码对准扫描窗口</source>
        <translation>Please hold the QR code on your receipt under the scanner</translation>
    </message>
    <message>
        <location filename="../texts.py" line="214"/>
        <source>请核对信息，无误后请点击确认办理</source>
        <translation>Please check the details, then press Confirm</translation>
    </message>
    <message>
        <location filename="../texts.py" line="215"/>
        <source>正在办理，请稍候</source>
        <translation>Please wait</translation>
    </message>
    <message>
        <location filename="../texts.py" line="216"/>
        <source>正在打印回执，请在出纸口取走回执</source>
        <translation>Printing your receipt. Please take it from the slot</translation>
    </message>
    <message>
        <location filename="../texts.py" line="217"/>
        <source>正在打印证明，请在A4出纸口取走证明</source>
        <translation>Printing your certificate. Please take it from the A4 tray</translation>
    </message>
    <message>
        <location filename="../texts.py" line="218"/>
        <source>请查看办理结果</source>
        <translation>Here is the result</translation>
    </message>
    <message>
        <location filename="../texts.py" line="219"/>
        <source>请对本次服务进行评价</source>
        <translation>Please rate this service</translation>
    </message>
    <message>
        <location filename="../texts.py" line="220"/>
        <source>请取回您的身份证和回执，感谢您的使用</source>
        <translation>Please take your ID card and receipt. Thank you</translation>
    </message>
    <message>
        <location filename="../texts.py" line="221"/>
        <source>本机暂停服务，请前往服务窗口</source>
        <translation>This kiosk is out of service. Please go to a service counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="222"/>
        <source>需要更多时间吗？</source>
        <translation>Do you need more time?</translation>
    </message>
    <message>
        <location filename="../texts.py" line="223"/>
        <source>请告诉我们不满意的原因</source>
        <translation>Please tell us what was wrong</translation>
    </message>
    <message>
        <location filename="../texts.py" line="224"/>
        <source>请选择要办理的项目，选好后点击下一步</source>
        <translation>Please choose, then press Next</translation>
    </message>
    <message>
        <location filename="../texts.py" line="225"/>
        <source>请将港澳通行证放在证件读取区，放好后不要移动</source>
        <translation>Please lay your permit on the document reader and keep it still</translation>
    </message>
    <message>
        <location filename="../texts.py" line="226"/>
        <source>请用微信、支付宝或云闪付扫描屏幕上的二维码付款</source>
        <translation>Please scan the QR code on the screen with WeChat Pay, Alipay or UnionPay to pay</translation>
    </message>
    <message>
        <location filename="../texts.py" line="227"/>
        <source>请站在白色背景板前，正对摄像头，按提示调整</source>
        <translation>Stand in front of the white board, face the camera and follow the hints</translation>
    </message>
    <message>
        <location filename="../texts.py" line="228"/>
        <source>请稍候，正在为您取出新身份证</source>
        <translation>Please wait, your new ID card is on its way</translation>
    </message>
    <message>
        <location filename="../texts.py" line="232"/>
        <source>证明已开具</source>
        <translation>Certificate issued</translation>
    </message>
    <message>
        <location filename="../texts.py" line="233"/>
        <source>证明编号：</source>
        <translation>Certificate no.: </translation>
    </message>
    <message>
        <location filename="../texts.py" line="234"/>
        <source>申请已受理</source>
        <translation>Application accepted</translation>
    </message>
    <message>
        <location filename="../texts.py" line="235"/>
        <source>申请编号：</source>
        <translation>Application no.: </translation>
    </message>
    <message>
        <location filename="../texts.py" line="236"/>
        <source>审核结果将以短信通知</source>
        <translation>The result will follow by SMS</translation>
    </message>
    <message>
        <location filename="../texts.py" line="237"/>
        <source>暂不能自助开具</source>
        <translation>Cannot be issued here</translation>
    </message>
    <message>
        <location filename="../texts.py" line="238"/>
        <source>查询完成</source>
        <translation>Search complete</translation>
    </message>
    <message>
        <location filename="../texts.py" line="239"/>
        <source>未能完成办理</source>
        <translation>The service could not be completed</translation>
    </message>
    <message>
        <location filename="../texts.py" line="240"/>
        <source>缴费成功</source>
        <translation>Payment complete</translation>
    </message>
    <message>
        <location filename="../texts.py" line="241"/>
        <source>未能办理，款项将原路退回</source>
        <translation>Not completed: your payment will be refunded</translation>
    </message>
    <message>
        <location filename="../texts.py" line="242"/>
        <source>身份证已领取</source>
        <translation>ID card collected</translation>
    </message>
    <message>
        <location filename="../texts.py" line="243"/>
        <source>照片已保存</source>
        <translation>Photo kept</translation>
    </message>
    <message>
        <location filename="../texts.py" line="244"/>
        <source>照片未保存</source>
        <translation>Photo not kept</translation>
    </message>
    <message>
        <location filename="../texts.py" line="248"/>
        <source>办理业务</source>
        <translation>Service</translation>
    </message>
    <message>
        <location filename="../texts.py" line="249"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../texts.py" line="250"/>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location filename="../texts.py" line="254"/>
        <source>非常满意</source>
        <translation>Excellent</translation>
    </message>
    <message>
        <location filename="../texts.py" line="255"/>
        <source>满意</source>
        <translation>Good</translation>
    </message>
    <message>
        <location filename="../texts.py" line="256"/>
        <source>基本满意</source>
        <translation>Fair</translation>
    </message>
    <message>
        <location filename="../texts.py" line="257"/>
        <source>不满意</source>
        <translation>Poor</translation>
    </message>
    <message>
        <location filename="../texts.py" line="258"/>
        <source>非常不满意</source>
        <translation>Very poor</translation>
    </message>
    <message>
        <location filename="../texts.py" line="259"/>
        <source>等待时间长</source>
        <translation>Long wait</translation>
    </message>
    <message>
        <location filename="../texts.py" line="260"/>
        <source>操作不方便</source>
        <translation>Hard to use</translation>
    </message>
    <message>
        <location filename="../texts.py" line="261"/>
        <source>设备有故障</source>
        <translation>A device did not work</translation>
    </message>
    <message>
        <location filename="../texts.py" line="262"/>
        <source>对结果不满意</source>
        <translation>Unhappy with the result</translation>
    </message>
    <message>
        <location filename="../texts.py" line="263"/>
        <source>其他原因</source>
        <translation>Something else</translation>
    </message>
    <message>
        <location filename="../texts.py" line="267"/>
        <source>已开具</source>
        <translation>Issued</translation>
    </message>
    <message>
        <location filename="../texts.py" line="268"/>
        <source>已受理，审核中</source>
        <translation>Accepted, being reviewed</translation>
    </message>
    <message>
        <location filename="../texts.py" line="269"/>
        <source>办理中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <location filename="../texts.py" line="270"/>
        <source>未通过，请到窗口咨询</source>
        <translation>Not granted: please ask at a counter</translation>
    </message>
    <message>
        <location filename="../texts.py" line="271"/>
        <source>已缴费</source>
        <translation>Paid</translation>
    </message>
    <message>
        <location filename="../texts.py" line="272"/>
        <source>已退款</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <location filename="../texts.py" line="273"/>
        <source>未查询到办理记录</source>
        <translation>No applications found</translation>
    </message>
    <message>
        <location filename="../texts.py" line="274"/>
        <source>已打印</source>
        <translation>printed</translation>
    </message>
    <message>
        <location filename="../texts.py" line="275"/>
        <source>未打印，可补打</source>
        <translation>not printed: can be reprinted</translation>
    </message>
    <message>
        <location filename="../texts.py" line="276"/>
        <source>补打</source>
        <translation>Reprint</translation>
    </message>
    <message>
        <location filename="../texts.py" line="277"/>
        <source>完成查询</source>
        <translation>Done</translation>
    </message>
</context>
<context>
    <name>MoreTimePrompt</name>
    <message>
        <location filename="../../screens/main_window.py" line="78"/>
        <source>%1 秒后将自动结束办理</source>
        <translation>The visit ends by itself in %1 s</translation>
    </message>
    <message>
        <location filename="../../screens/main_window.py" line="79"/>
        <source>继续办理</source>
        <translation>Yes, continue</translation>
    </message>
    <message>
        <location filename="../../screens/main_window.py" line="80"/>
        <source>结束办理</source>
        <translation>No, end the visit</translation>
    </message>
</context>
<context>
    <name>OutOfServicePage</name>
    <message>
        <location filename="../../screens/out_of_service.py" line="20"/>
        <source>暂停服务</source>
        <translation>Out of service</translation>
    </message>
    <message>
        <location filename="../../screens/out_of_service.py" line="23"/>
        <source>工作人员正在处理，请稍后再来或前往服务窗口</source>
        <translation>Staff have been told. Please come back later or go to a service counter</translation>
    </message>
</context>
<context>
    <name>ProgressPage</name>
    <message>
        <location filename="../../screens/progress.py" line="24"/>
        <source>正在打印回执，请稍候…</source>
        <translation>Printing your receipt…</translation>
    </message>
    <message>
        <location filename="../../screens/progress.py" line="25"/>
        <source>请在出纸口取走回执</source>
        <translation>Take the receipt from the slot</translation>
    </message>
    <message>
        <location filename="../../screens/progress.py" line="27"/>
        <source>正在打印证明，请稍候…</source>
        <translation>Printing your certificate…</translation>
    </message>
    <message>
        <location filename="../../screens/progress.py" line="28"/>
        <source>请在A4出纸口取走证明</source>
        <translation>Take the certificate from the A4 tray</translation>
    </message>
    <message>
        <location filename="../../screens/progress.py" line="33"/>
        <source>正在保存办理结果…</source>
        <translation>Saving the result…</translation>
    </message>
    <message>
        <location filename="../../screens/progress.py" line="36"/>
        <source>正在办理，请稍候…</source>
        <translation>Working on it, please wait…</translation>
    </message>
    <message>
        <location filename="../../screens/progress.py" line="37"/>
        <source>正在连接公安业务系统</source>
        <translation>Contacting the police records system</translation>
    </message>
</context>
<context>
    <name>RatePage</name>
    <message>
        <location filename="../../screens/result.py" line="113"/>
        <source>跳过评价</source>
        <translation>Skip</translation>
    </message>
</context>
<context>
    <name>ResultPage</name>
    <message>
        <location filename="../../screens/result.py" line="61"/>
        <source>办理结果</source>
        <translation>Result</translation>
    </message>
</context>
<context>
    <name>ScanPage</name>
    <message>
        <location filename="../../screens/scan.py" line="38"/>
        <source>请扫描回执上的二维码</source>
        <translation>Scan the QR code on your receipt</translation>
    </message>
    <message>
        <location filename="../../screens/scan.py" line="38"/>
        <source>将二维码对准扫描窗口，距离约10厘米</source>
        <translation>Hold the QR code about 10 cm from the scanner window</translation>
    </message>
</context>
<context>
    <name>SelectPage</name>
    <message>
        <location filename="../../screens/payment.py" line="81"/>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../../screens/payment.py" line="83"/>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
</context>
<context>
    <name>StepPage</name>
    <message>
        <location filename="../../screens/steps.py" line="37"/>
        <source>第 %1 步，共 %2 步</source>
        <translation>Step %1 of %2</translation>
    </message>
    <message>
        <location filename="../../screens/steps.py" line="43"/>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
</context>
<context>
    <name>VerifyPage</name>
    <message>
        <location filename="../../screens/verify.py" line="43"/>
        <source>指纹核验</source>
        <translation>Fingerprint check</translation>
    </message>
    <message>
        <location filename="../../screens/verify.py" line="45"/>
        <source>按压平稳，直到提示完成</source>
        <translation>Press flat and hold until the screen says it is done</translation>
    </message>
    <message>
        <location filename="../../screens/verify.py" line="47"/>
        <source>人脸核验</source>
        <translation>Face check</translation>
    </message>
</context>
</TS>
