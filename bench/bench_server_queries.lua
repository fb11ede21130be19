-- bench_server_queries.lua — the search mix of bench/bench_server.sh (wrk script).
-- a realistic mix: short and long phrases, one and two characters, multi-clause
local qs = {"营商环境", "证照分离", "党风廉政建设", "廉", "政建", "安全生产", "人民法院", "行政处罚",
  "生态环境保护", "国务院", "乡村振兴", "知识产权", "劳动合同", "个人信息", "食品安全 监督",
  "突发事件 应急", "教育", "税收征收管理", "第一条", "城乡规划", "未成年人保护", "数据安全",
  "消费者权益", "反垄断", "公共卫生", "扶贫", "改革开放", "依法治国", "科技创新", "文化"}
local enc = {}
for i, q in ipairs(qs) do
  enc[i] = q:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end)
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/search?q=" .. enc[(n % #enc) + 1])
end
