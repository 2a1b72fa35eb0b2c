-- Drives Neovim's built-in LSP client against `kcfg lsp` (see run.sh).
-- Each check prints PASS or FAIL; any failure exits with status 1.
local kcfg = os.getenv('KCFG')
local project = os.getenv('PROJECT')
local failures = 0
local passes = 0

local function say(text)
  io.stderr:write(text .. '\n')
end

local function check(name, ok, detail)
  if ok then
    passes = passes + 1
    say('PASS ' .. name)
  else
    failures = failures + 1
    say('FAIL ' .. name .. (detail and (': ' .. vim.inspect(detail)) or ''))
  end
end

local function open(path)
  vim.cmd('edit ' .. vim.fn.fnameescape(project .. '/' .. path))
  return vim.api.nvim_get_current_buf()
end

local client_id = vim.lsp.start_client({
  name = 'kcfg',
  cmd = { kcfg, 'lsp', '--log-level', 'info' },
  root_dir = project,
  init_options = { kcfg = { debounceMs = 50 } },
})
assert(client_id, 'kcfg lsp did not start')

local function attach(bufnr)
  vim.lsp.buf_attach_client(bufnr, client_id)
  vim.wait(10000, function()
    local client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized and vim.lsp.buf_is_attached(bufnr, client_id)
  end, 20)
end

-- The result of a request, or nil and the error.
local function request(bufnr, method, params)
  local responses = vim.lsp.buf_request_sync(bufnr, method, params, 10000)
  if not responses or not responses[client_id] then
    return nil, 'no response to ' .. method
  end
  local response = responses[client_id]
  return response.result, response.err
end

local function at(bufnr, line, character)
  return {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = character },
  }
end

-- The 0-based line and column of `needle` (plus `shift`) in the buffer.
local function find(bufnr, needle, shift)
  for index, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local column = line:find(needle, 1, true)
    if column then
      return index - 1, column - 1 + (shift or 0)
    end
  end
  error('not found: ' .. needle)
end

local function labels(result)
  local items = result and (result.items or result) or {}
  local out = {}
  for _, item in ipairs(items) do
    out[item.label] = true
  end
  return out
end

local function main()
  local main_buf = open('apps/web/main.kcfg')
  attach(main_buf)
  check('server initialized', vim.lsp.buf_is_attached(main_buf, client_id))

  -- Diagnostics: a broken line is reported, and cleared when removed.
  local last = vim.api.nvim_buf_line_count(main_buf)
  vim.api.nvim_buf_set_lines(main_buf, last - 1, last - 1, false, { '  broken: [1 2],' })
  local got = vim.wait(10000, function()
    return #vim.diagnostic.get(main_buf) > 0
  end, 20)
  local diagnostics = vim.diagnostic.get(main_buf)
  check('diagnostics reported', got and diagnostics[1].message:find('expected a comma') ~= nil, diagnostics)
  vim.api.nvim_buf_set_lines(main_buf, last - 1, last, false, {})
  got = vim.wait(10000, function()
    return #vim.diagnostic.get(main_buf) == 0
  end, 20)
  check('diagnostics cleared when fixed', got, vim.diagnostic.get(main_buf))

  -- Hover on the vendored library's function: its doc comment.
  local line, column = find(main_buf, 'k.deployment', 3)
  local hover = request(main_buf, 'textDocument/hover', at(main_buf, line, column))
  local text = hover and hover.contents and hover.contents.value or ''
  check('hover shows the doc comment', text:find('Makes a Deployment', 1, true) ~= nil, hover)
  check('hover shows the signature', text:find('deployment(name, replicas=1)', 1, true) ~= nil, text)

  -- Definition across an import (into vendor/ through jsonnetfile.json).
  local defs = request(main_buf, 'textDocument/definition', at(main_buf, line, column))
  check('definition across an import', defs and #defs == 1 and defs[1].uri:find('vendor/acme/k.libsonnet', 1, true) ~= nil, defs)

  -- Definition through a merge: `web.port` is defined by both layers.
  line, column = find(main_buf, 'web.port', 5)
  defs = request(main_buf, 'textDocument/definition', at(main_buf, line, column))
  local in_lib, in_main = false, false
  for _, location in ipairs(defs or {}) do
    in_lib = in_lib or location.uri:find('lib/base.libsonnet', 1, true) ~= nil
    in_main = in_main or location.uri:find('apps/web/main.kcfg', 1, true) ~= nil
  end
  check('definition through a merge: every layer', defs and #defs == 2 and in_lib and in_main, defs)

  -- Completion through a merge: `web.` has base's fields and its own.
  line, column = find(main_buf, 'web.port', 4)
  local items = labels(request(main_buf, 'textDocument/completion', at(main_buf, line, column)))
  check('completion through a merge', items.port and items.labels and items.name, items)

  -- Completion in a half-typed line (the file does not parse).
  line = find(main_buf, '  service: {')
  vim.api.nvim_buf_set_lines(main_buf, line, line, false, { '  half: web.' })
  items = labels(request(main_buf, 'textDocument/completion', at(main_buf, line, 12)))
  check('completion in a half-typed line', items.port and items.labels and items.name, items)
  vim.api.nvim_buf_set_lines(main_buf, line, line + 1, false, {})

  -- Locals in scope and keywords, at the start of a field.
  line, column = find(main_buf, 'service: {')
  items = labels(request(main_buf, 'textDocument/completion', at(main_buf, line, column)))
  check('completion of locals and keywords', items.k and items.base and items['local'], items)

  -- Rename a field across files: `port` in lib/base.libsonnet, its
  -- override and its use in main.kcfg.
  line, column = find(main_buf, 'web.port', 5)
  local edit, err = request(main_buf, 'textDocument/rename', {
    textDocument = { uri = vim.uri_from_bufnr(main_buf) },
    position = { line = line, character = column },
    newName = 'listenPort',
  })
  check('rename answered', edit ~= nil, err)
  if edit then
    vim.lsp.util.apply_workspace_edit(edit, 'utf-16')
    vim.cmd('silent wall')
    local lib = table.concat(vim.fn.readfile(project .. '/lib/base.libsonnet'), '\n')
    local app = table.concat(vim.fn.readfile(project .. '/apps/web/main.kcfg'), '\n')
    check('rename changed the library', lib:find('listenPort: 80', 1, true) ~= nil, lib)
    check('rename changed the override and the use',
      app:find('listenPort: 8080', 1, true) ~= nil and app:find('web.listenPort', 1, true) ~= nil
        and app:find('{ port: web.listenPort }', 1, true) ~= nil, app)
  end

  -- Formatting: a badly laid out line comes back as `kcfg fmt` writes it.
  line = find(main_buf, "  name: 'web',")
  vim.api.nvim_buf_set_lines(main_buf, line, line + 1, false, { "  name:    'web'  ," })
  local edits = request(main_buf, 'textDocument/formatting', {
    textDocument = { uri = vim.uri_from_bufnr(main_buf) },
    options = { tabSize = 2, insertSpaces = true },
  })
  check('formatting returns minimal edits', edits and #edits == 1, edits)
  if edits then
    vim.lsp.util.apply_text_edits(edits, main_buf, 'utf-16')
  end
  local formatted = vim.api.nvim_buf_get_lines(main_buf, line, line + 1, false)[1]
  check('formatting applied', formatted == "  name: 'web',", formatted)

  -- Document symbols of the render plan, which imports a built-in library.
  local plan_buf = open('render.kcfg')
  attach(plan_buf)
  local symbols = request(plan_buf, 'textDocument/documentSymbol', { textDocument = { uri = vim.uri_from_bufnr(plan_buf) } })
  local names = {}
  for _, symbol in ipairs(symbols or {}) do
    names[symbol.name] = true
  end
  check('document symbols of the plan', names.kcfg and names.generators and names.template, names)
  line, column = find(plan_buf, 'kcfg.plan', 5)
  hover = request(plan_buf, 'textDocument/hover', at(plan_buf, line, column))
  check('hover into a built-in library', hover ~= nil and hover.contents.value:find('plan', 1, true) ~= nil, hover)
end

local ok, err = pcall(main)
if not ok then
  failures = failures + 1
  say('FAIL: ' .. tostring(err))
end
say(string.format('%d passed, %d failed', passes, failures))
vim.lsp.stop_client(client_id)
vim.wait(2000, function()
  return vim.lsp.get_client_by_id(client_id) == nil
end, 20)
if failures > 0 then
  vim.cmd('cquit 1')
else
  vim.cmd('qall!')
end
