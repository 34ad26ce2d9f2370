// 中文标签。键与 en.js 相同；服务器返回的消息按原文显示。
export default {
  'lang.label': '语言',
  'nav.menu': '菜单',
  'nav.dashboard': '概览', 'nav.images': '镜像', 'nav.volumes': '存储卷', 'nav.nics': '网卡',
  'nav.instances': '云主机', 'nav.drivers': '系统驱动', 'nav.printers': '打印机驱动',
  'nav.driver-disk': '驱动盘', 'nav.templates': '模板', 'nav.terminals': '终端',
  'nav.tasks': '任务', 'nav.audit': '审计', 'nav.users': '用户',

  'auth.title': '登录 Platform', 'auth.name': '用户名', 'auth.password': '密码', 'auth.signIn': '登录',
  'auth.logout': '退出', 'auth.signedOut': '您已退出登录。', 'auth.expired': '会话已结束，请重新登录。',
  'auth.who': '{name}（{role}）',
  'role.viewer': '只读', 'role.operator': '操作员', 'role.admin': '管理员', 'role.terminal': '终端',

  'common.actions': '操作', 'common.allStates': '全部状态', 'common.anyState': '任意状态', 'common.cancel': '取消',
  'common.choose': '请选择…', 'common.close': '关闭', 'common.consoleError': '控制台无法显示此页面：{error}',
  'common.deleteText': '此操作无法撤销。', 'common.dismiss': '关闭', 'common.done': '完成', 'common.empty': '暂无数据。',
  'common.filter': '筛选', 'common.gone': '已删除', 'common.loading': '加载中…', 'common.next': '下一页', 'common.no': '否',
  'common.noInstances': '暂无可用的云主机', 'common.none': '无', 'common.off': '关', 'common.on': '开',
  'common.page': '第 {page} / {pages} 页', 'common.previous': '上一页', 'common.progress': '进度', 'common.refresh': '刷新',
  'common.remove': '移除', 'common.save': '保存', 'common.saved': '已保存。', 'common.sent': '已发送 {sent} / {total}',
  'common.showing': '第 {from}–{to} 条，共 {total} 条', 'common.stateMachine': '状态与转换', 'common.uploadProgress': '上传进度',
  'common.yes': '是',

  'action.attach': '挂载', 'action.create': '创建', 'action.delete': '删除', 'action.destroy': '销毁', 'action.detach': '卸载',
  'action.edit': '编辑', 'action.inspect': '详情', 'action.mount': '挂载', 'action.turnOff': '关机', 'action.turnOn': '开机',
  'action.unmount': '卸载',

  'field.created': '创建时间', 'field.describe': '描述', 'field.error': '错误', 'field.host': '宿主机', 'field.id': 'ID',
  'field.image': '镜像', 'field.instance': '云主机', 'field.location': '位置', 'field.memoryMiB': '内存（MiB）',
  'field.name': '名称', 'field.os_type': '系统类型', 'field.size': '大小', 'field.sizeGiB': '大小（GiB）', 'field.status': '状态',

  'state.creating': '创建中', 'state.available': '可用', 'state.error': '错误', 'state.attaching': '挂载中',
  'state.in-use': '使用中', 'state.detaching': '卸载中', 'state.deleting': '删除中', 'state.idle': '空闲',
  'state.attached': '已挂载', 'state.running': '运行中', 'state.stopped': '已关机', 'state.starting': '开机中',
  'state.stopping': '关机中', 'state.destroying': '销毁中', 'state.paused': '已暂停', 'state.crashed': '已崩溃',
  'state.pending': '等待中', 'state.succeeded': '成功', 'state.failed': '失败', 'state.up': '在线', 'state.down': '离线',
  'state.observed': '宿主机上报', 'state.ready': '就绪', 'state.1': '正常', 'state.2': '合并中', 'state.3': '异常',
  'state.4': '恢复中',

  'dashboard.hosts': '宿主机', 'dashboard.noHosts': '尚无宿主机注册。', 'dashboard.instances': '各状态云主机数',
  'dashboard.hostLine': '{cpus} 个 CPU · {domains} 台运行 · {type} · 最近心跳 {seen}', 'dashboard.memory': '内存 {used} / {total}',
  'dashboard.memoryUse': '内存使用', 'dashboard.recentTasks': '最近任务', 'dashboard.failures': '最近失败',
  'dashboard.noTasks': '暂无任务。', 'dashboard.noFailures': '没有失败的任务。', 'dashboard.drift': '偏差', 'dashboard.noDrift': '库存与宿主机一致。',
  'dashboard.resolved': '已解决',

  'images.create': '创建镜像', 'images.created': '镜像 {id} 已创建。', 'images.register': '注册镜像',
  'images.registered': '镜像 {id} 已注册。', 'images.unregistered': '存储池中的镜像', 'images.noneUnregistered': '存储池中没有未注册的镜像',
  'images.notRegistrable': '存储池中有 {count} 个镜像无法注册', 'images.edit': '编辑镜像 {id}',
  'images.delete': '删除镜像 {id}', 'images.deleteText': '镜像将从库存中移除。勾选后同时从存储池删除其 RBD 镜像。',
  'images.deleteFile': '同时删除镜像文件（RBD）', 'images.deleted': '镜像 {id} 已删除。',

  'volumes.create': '创建存储卷', 'volumes.created': '存储卷 {id} 已创建。', 'volumes.empty': '空白存储卷',
  'volumes.fromImage': '从镜像克隆', 'volumes.mount': '挂载存储卷 {id}', 'volumes.unmount': '卸载存储卷 {id}',
  'volumes.unmountText': '存储卷将从云主机 {instance} 卸载。', 'volumes.delete': '删除存储卷 {id}',
  'volumes.deleted': '存储卷 {id} 已删除。', 'volumes.taskTitle': '存储卷 {id}',

  'nics.create': '创建网卡', 'nics.created': '网卡 {id} 已创建（{ip}）。', 'nics.attach': '挂载 {id}',
  'nics.detach': '卸载 {id}', 'nics.detachText': '网卡将从云主机 {instance} 卸载。', 'nics.delete': '删除 {id}',
  'nics.deleted': '网卡 {id} 已删除。', 'nics.taskTitle': '网卡 {id}',

  'instances.create': '创建云主机', 'instances.requested': '{id}：{status}。', 'instances.turnOff': '关闭 {id}',
  'instances.turnOffText': '向客户机发送关机请求（ACPI）。强制则立即断电。', 'instances.force': '强制（断电）',
  'instances.destroy': '销毁 {id}', 'instances.destroyText': '云主机及其存储卷、网卡将被删除。此操作无法撤销。',
  'instances.bootSize': '系统盘（GiB）', 'instances.bootSizeHelp': '留空：与镜像大小相同。', 'instances.newVolumes': '新建数据盘',
  'instances.addVolume': '添加数据盘', 'instances.existingVolumes': '挂载已有存储卷', 'instances.newNics': '新建网卡',
  'instances.addNic': '添加网卡', 'instances.existingNics': '挂载空闲网卡', 'instances.noImages': '没有可用镜像',
  'instances.progress': '进度', 'instances.latestTask': '最近任务：{kind}', 'instances.device': '设备', 'instances.boot': '系统盘',

  'drivers.upload': '上传驱动', 'drivers.uploaded': '驱动已上传。', 'drivers.file': '文件',
  'drivers.chooseFile': '请选择要上传的文件。', 'drivers.help': '.iso 为万能驱动（sys/wang）；.tq 为提取驱动（sys/tq）。',
  'drivers.nameHelp': '留空：使用文件名。', 'drivers.environment': '适用环境', 'drivers.type': '类型', 'drivers.type1': '万能驱动',
  'drivers.type2': '提取驱动', 'drivers.templates': '模板数', 'drivers.edit': '编辑 {name}', 'drivers.delete': '删除 {name}',
  'drivers.deleteUsed': '有 {count} 个模板使用此驱动，删除后将解除关联。此操作无法撤销。', 'drivers.deleted': '{name} 已删除。',

  'printers.upload': '上传打印机驱动', 'printers.type': '打印机类型', 'printers.type1': '本地', 'printers.type2': '共享',
  'printers.type3': '网络', 'printers.uploadedBy': '上传方', 'printers.terminal': '终端', 'printers.console': '控制台',
  'printers.terminals': '终端数', 'printers.config': '配置', 'printers.configOf': '{name} 的公有配置',
  'printers.paper': '纸张', 'printers.duplex': '双面打印', 'printers.simplex': '单面', 'printers.longEdge': '双面，长边翻转',
  'printers.shortEdge': '双面，短边翻转', 'printers.ip': '打印机或主机地址', 'printers.account': '账号',
  'printers.password': '密码', 'printers.passwordKept': '已保存密码；留空则保持不变。', 'printers.passwordNone': '未保存密码。',
  'printers.port': '端口', 'printers.duplicate': '复制', 'printers.duplicated': '{name} 已复制。', 'printers.edit': '编辑 {name}',
  'printers.delete': '删除 {name}', 'printers.deleted': '{name} 已删除。',

  'driverDisk.state': '状态', 'driverDisk.version': '版本', 'driverDisk.autoUpdate': '自动更新', 'driverDisk.distribution': '下发',
  'driverDisk.distributing': '终端正在下载', 'driverDisk.idle': '无下发任务', 'driverDisk.save': '保存（合并）',
  'driverDisk.saving': '正在保存驱动盘…', 'driverDisk.restore': '从备份恢复', 'driverDisk.restoring': '正在恢复驱动盘…',
  'driverDisk.autoOn': '开启自动更新', 'driverDisk.autoOff': '关闭自动更新', 'driverDisk.task': '驱动盘',

  'templates.universal': '万能驱动', 'templates.extracted': '提取驱动', 'templates.heterogeneous': '异构',
  'templates.drivers': '驱动', 'templates.driversOf': '{name} 的驱动', 'templates.noDriver': '无',

  'terminals.version': '工具盘版本', 'terminals.notified': '已通知版本', 'terminals.downloading': '下载中',
  'terminals.since': '自 {time}', 'terminals.lastSeen': '最近在线', 'terminals.notify': '通知更新',
  'terminals.notifiedOf': '已通知更新到版本 {version}。', 'terminals.delete': '删除终端 {name}',

  'tasks.task': '任务 {id}', 'tasks.kind': '类型', 'tasks.resource': '资源', 'tasks.step': '步骤', 'tasks.finished': '结束时间',
  'tasks.filterHelp': '筛选框按资源 ID（i-…、vol-…、nic-…）过滤。',
  'audit.at': '时间', 'audit.principal': '操作人', 'audit.action': '动作', 'audit.outcome': '结果', 'audit.address': '来源',
  'audit.filterHelp': '按资源 ID 与动作（例如 volume.create）过滤。',

  'users.create': '创建用户', 'users.role': '角色', 'users.disabled': '已停用', 'users.enabled': '启用', 'users.edit': '编辑 {name}',
  'users.newPassword': '新密码', 'users.passwordHelp': '至少 12 个字符；留空则不变。', 'users.delete': '删除 {name}',
};
